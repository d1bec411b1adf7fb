//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package batch

import (
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// fileDirs writes message files with the directories held open: each file
// costs four system calls — openat, write, close, renameat — against the
// ten of os.CreateTemp, Write, Close and os.Rename (the fcntl calls and
// poller registration of an *os.File, the lstat of os.Rename, a random
// name tried until one is free). Temporary names are a counter: the run
// directory is locked and OUT/tmp emptied when an attempt starts, so no
// other writer uses them.
type fileDirs struct {
	tmp, msg       *os.File
	tmpFD, msgFD   int
	tmpDir, msgDir string
	n              atomic.Uint64
}

func openDirs(tmp, msg string) (*fileDirs, error) {
	t, err := os.Open(tmp)
	if err != nil {
		return nil, err
	}
	m, err := os.Open(msg)
	if err != nil {
		t.Close()
		return nil, err
	}
	return &fileDirs{tmp: t, msg: m, tmpFD: int(t.Fd()), msgFD: int(m.Fd()), tmpDir: tmp, msgDir: msg}, nil
}

func (d *fileDirs) close() {
	d.tmp.Close()
	d.msg.Close()
}

// write writes data under a temporary name and renames it to name, in
// the messages directory. The file's mode is 0600, as os.CreateTemp's.
func (d *fileDirs) write(name string, data []byte) error {
	tmp := "m-" + strconv.FormatUint(d.n.Add(1), 10)
	fd, err := retry(func() (int, error) {
		return unix.Openat(d.tmpFD, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600)
	})
	if err != nil {
		return &os.PathError{Op: "open", Path: filepath.Join(d.tmpDir, tmp), Err: err}
	}
	for len(data) > 0 && err == nil {
		var n int
		if n, err = retry(func() (int, error) { return unix.Write(fd, data) }); err == nil {
			data = data[n:]
		}
	}
	if err == nil && perFileSync {
		_, err = retry(func() (int, error) { return 0, unix.Fsync(fd) })
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		unix.Unlinkat(d.tmpFD, tmp, 0)
		return &os.PathError{Op: "write", Path: filepath.Join(d.tmpDir, tmp), Err: err}
	}
	if err := unix.Renameat(d.tmpFD, tmp, d.msgFD, name); err != nil {
		unix.Unlinkat(d.tmpFD, tmp, 0)
		return &os.LinkError{Op: "rename", Old: filepath.Join(d.tmpDir, tmp), New: filepath.Join(d.msgDir, name), Err: err}
	}
	return nil
}

// retry calls f again while it is interrupted by a signal (EINTR).
func retry(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if err != unix.EINTR {
			return n, err
		}
	}
}
