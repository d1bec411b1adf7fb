//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package batch

// lockDir does nothing here: this system has no flock. Do not run two
// batches into one output directory at once.
func lockDir(string) (func(), error) { return func() {}, nil }
