package preview

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/recipients"
)

// The preview serves nothing outside the directories it was given (SPEC
// §8): a symbolic link in profiles/ or templates/ to a file elsewhere is
// refused, not followed. Files are opened through os.Root, which resolves
// links and refuses any path that leaves its directory, so there is no
// window between a check and the open.

// openInside opens path, which names a file below dir, through dir's root.
func openInside(dir, path string) (*os.File, error) {
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(rel)
	if err != nil {
		return nil, fmt.Errorf("%s: refused: it is not a file inside %s (a symbolic link out of it?): %w", path, dir, err)
	}
	return f, nil
}

// readProfile reads a profile file below dir, at most
// recipients.MaxProfileBytes of it (tooBig reports a larger one).
func readProfile(dir, path string) (data []byte, tooBig bool, err error) {
	f, err := openInside(dir, path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, recipients.MaxProfileBytes+1))
	if err != nil {
		return nil, false, err
	}
	return data, len(data) > recipients.MaxProfileBytes, nil
}

// outside returns a problem for the first of files (a template, its
// partials and layout, as render loaded them) that is not inside dir.
func outside(dir string, files []string) *Problem {
	for _, file := range files {
		f, err := openInside(dir, file)
		if err != nil {
			return &Problem{Where: "template", Code: diag.Invalid, File: file, Message: err.Error()}
		}
		f.Close()
	}
	return nil
}
