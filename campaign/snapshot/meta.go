package snapshot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// MetaFile names the file, at the top of a golden directory, that records
// how its snapshot was taken: decisions depend on the decision time, so a
// comparison without --at takes the time the golden files were made at.
const MetaFile = "snapshot.json"

// Meta is how a snapshot was taken.
type Meta struct {
	At       time.Time `json:"at"`
	Campaign string    `json:"campaign"`
}

// ReadMeta reads dir's MetaFile; ok is false when there is none.
func ReadMeta(dir string) (m Meta, ok bool, err error) {
	data, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if errors.Is(err, fs.ErrNotExist) {
		return Meta{}, false, nil
	}
	if err != nil {
		return Meta{}, false, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return Meta{}, false, fmt.Errorf("%s: %w", filepath.Join(dir, MetaFile), err)
	}
	return m, true, nil
}

// WriteMeta records m in dir's MetaFile.
func WriteMeta(dir string, m Meta) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, MetaFile), append(data, '\n'), 0o644)
}
