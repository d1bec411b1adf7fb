package batch

import (
	"context"
	"os"
	"path/filepath"
)

// files is the default sink: one file per message in OUT/messages, named
// after the recipient (FileName), written under a temporary name in
// OUT/tmp and renamed into place, so that a crash never leaves a partial
// message under a real name.
type files struct {
	msgDir, tmpDir string
	ext            string
	dirs           *fileDirs
	sync           func() error // nil where each file is synced (perFileSync)
	closeSync      func()
}

// openFiles prepares OUT/messages for messages with extension ext.
// Temporary files of interrupted attempts are never renamed: it drops them.
func openFiles(out, ext string) (*files, error) {
	f := &files{msgDir: filepath.Join(out, messagesDir), tmpDir: filepath.Join(out, tmpDir), ext: ext}
	if err := os.RemoveAll(f.tmpDir); err != nil {
		return nil, outputErr(err)
	}
	for _, dir := range []string{f.tmpDir, f.msgDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, outputErr(err)
		}
	}
	var err error
	if f.dirs, err = openDirs(f.tmpDir, f.msgDir); err != nil {
		return nil, outputErr(err)
	}
	if f.sync, f.closeSync, err = fileSyncer(f.msgDir); err != nil {
		f.dirs.close()
		return nil, err
	}
	return f, nil
}

// Deliver writes the message file. It finishes even when ctx has ended:
// a file write is short, and half-written files are never left behind.
func (f *files) Deliver(_ context.Context, m *Message) error {
	return f.write(FileName(m.Recipient.ID, f.ext), m.Data)
}

// Sync makes the files written so far durable.
func (f *files) Sync() error {
	if f.sync == nil {
		return nil
	}
	return f.sync()
}

func (f *files) close() {
	f.closeSync()
	f.dirs.close()
}

func (f *files) write(name string, data []byte) error {
	if err := f.dirs.write(name, data); err != nil {
		return outputErr(err)
	}
	return nil
}
