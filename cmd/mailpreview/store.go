package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/decide/capstore"
)

// Caps count across campaigns only if every real run of a library counts
// in one store (SPEC §4.7): batch, feedback, suppress and api default to
// the library's own bbolt file, LIBRARY/.offermail/state.db (created on
// first use), $OFFERMAIL_STORE overrides it and --store overrides both.
// The preview reads the same store when it exists; decide, render and
// snapshot read none unless given --store, so their output stays
// reproducible.

// storeEnv names the environment variable that overrides the library's
// own store.
const storeEnv = "OFFERMAIL_STORE"

// libraryStore is the path of a library's own store. The directory is
// hidden, so the library loader and the reload watchers skip it.
func libraryStore(library string) string {
	return filepath.Join(library, ".offermail", "state.db")
}

// storeURL returns the store a command uses: flag, else $OFFERMAIL_STORE,
// else the library's own; own reports the last.
func storeURL(flag, library string) (url string, own bool) {
	if flag != "" {
		return flag, false
	}
	if env := os.Getenv(storeEnv); env != "" {
		return env, false
	}
	return "bolt:" + libraryStore(library), true
}

// openStore opens the store of a command that writes (batch, feedback,
// suppress, api), creating the library's own when it is the one named.
func openStore(url string, own bool) (decide.Store, error) {
	if url == "memory:" || url == "memory" {
		return nil, usage("--store memory: would count in this process only, and forget it; use bolt:PATH or redis://HOST:PORT/DB")
	}
	if own {
		dir := filepath.Dir(strings.TrimPrefix(url, "bolt:"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, failed(fmt.Errorf("create the library's store: %w (give another with --store)", err))
		}
	}
	store, err := capstore.Open(url)
	if err != nil {
		return nil, storeError(err)
	}
	return store, nil
}

// storeError classifies an error opening a store: a malformed URL is a
// usage error, a store that is locked or unreachable a failed run (exit 4).
func storeError(err error) error {
	switch {
	case errors.Is(err, capstore.ErrBadURL):
		return usage("--store: %v", err)
	case errors.Is(err, capstore.ErrLocked):
		return failed(fmt.Errorf("%s; another mailpreview process (a batch run, feedback, suppress or the api) is using this store: run the same command again once it is done, or give every process one Redis store (--store redis://HOST:PORT/DB)", flatten(err)))
	}
	return failed(err)
}

// flatten puts an error that joins several on one line.
func flatten(err error) string { return strings.ReplaceAll(err.Error(), "\n", ": ") }
