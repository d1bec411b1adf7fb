package main

import (
	"bytes"
	"errors"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/offermail/offermail/track"
)

// secretEnv holds the tracking secret when --secret-file is not given.
const secretEnv = "OFFERMAIL_SECRET"

// trackFlags are the tracking flags of batch, api and feedback (SPEC §10).
type trackFlags struct {
	secretFile, publicURL string
}

// add registers --secret-file, and --public-url when public.
func (f *trackFlags) add(cmd *cobra.Command, public bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.secretFile, "secret-file", "", "tracking secret `FILE` (at least 16 bytes; default $"+secretEnv+"): seals tracking tokens; without one tokens are readable and unsigned")
	if public {
		fl.StringVar(&f.publicURL, "public-url", "", "`URL` at which mailpreview api is reached from outside (https://t.example.com): offer links become click redirects, {{trackingPixel}} the open pixel, List-Unsubscribe the one-click route; needs a secret")
	}
}

// tracker reads the secret and returns the tracker; nil without a secret
// and a public URL (readable tokens, nothing tracked).
func (f *trackFlags) tracker() (*track.Tracker, error) {
	secret, err := f.secret()
	if err != nil {
		return nil, err
	}
	if len(secret) == 0 && f.publicURL != "" {
		return nil, usage("--public-url needs a secret to seal the tracking tokens: --secret-file FILE or $%s (make one with: head -c 32 /dev/urandom | base64 > secret)", secretEnv)
	}
	tr, err := track.New(secret, f.publicURL)
	if err != nil {
		if f.secretFile != "" {
			return nil, usage("--secret-file %s: %v", f.secretFile, err)
		}
		return nil, usage("%v", err)
	}
	return tr, nil
}

// secret is the secret's bytes without the line end a file usually has.
func (f *trackFlags) secret() ([]byte, error) {
	if f.secretFile == "" {
		return []byte(os.Getenv(secretEnv)), nil
	}
	file, err := os.Open(f.secretFile)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, usage("--secret-file %s: not found", f.secretFile)
		}
		return nil, usage("--secret-file: %v", err)
	}
	defer file.Close()
	// A secret is small; a file much bigger is not one.
	data, err := io.ReadAll(io.LimitReader(file, 64<<10))
	if err != nil {
		return nil, usage("--secret-file: %v", err)
	}
	data = bytes.TrimRight(data, "\r\n")
	if len(data) == 0 {
		return nil, usage("--secret-file %s is empty", f.secretFile)
	}
	return data, nil
}
