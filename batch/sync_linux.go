package batch

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// perFileSync: Linux makes message files durable in bulk (fileSyncer).
const perFileSync = false

// fileSyncer returns a function that makes every file written so far on
// the file system of dir durable, with one syncfs(2) per journal commit
// instead of one fsync per message: the journal must never say a message
// was written before the message is on disk, even across a power loss.
func fileSyncer(dir string) (sync func() error, closeFn func(), err error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, nil, outputErr(err)
	}
	sync = func() error {
		if err := unix.Syncfs(int(d.Fd())); err != nil {
			return fmt.Errorf("syncfs %s: %w", dir, err)
		}
		return nil
	}
	return sync, func() { d.Close() }, nil
}

// syncDir makes the entries of dir (a file created in it) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
