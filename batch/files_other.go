//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package batch

import (
	"os"
	"path/filepath"
)

// fileDirs writes message files: under a temporary name in tmp, renamed
// into msg.
type fileDirs struct{ tmp, msg string }

func openDirs(tmp, msg string) (*fileDirs, error) { return &fileDirs{tmp, msg}, nil }

func (d *fileDirs) close() {}

func (d *fileDirs) write(name string, data []byte) error {
	tmp, err := os.CreateTemp(d.tmp, "m-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil && perFileSync {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(d.msg, name))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
