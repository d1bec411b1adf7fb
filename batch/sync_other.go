//go:build !linux

package batch

// perFileSync: without syncfs(2), each message file is fsynced before it
// is renamed into place.
const perFileSync = true

// fileSyncer has nothing to do in bulk here; see perFileSync.
func fileSyncer(string) (func() error, func(), error) { return nil, func() {}, nil }

// syncDir does nothing where directories cannot be fsynced portably.
func syncDir(string) error { return nil }
