package snapshot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/render"
)

// Profile is a sample recipient, named after its file.
type Profile struct {
	// Name is the file name without .json; it names the snapshot files.
	Name      string
	Recipient render.Recipient
}

// ReadProfiles reads every *.json file of dir, sorted by name, with the
// project's one profile reader (recipients.ReadProfile), which checks a
// profile as strictly as a batch run checks a record. Every bad file is
// reported, not just the first.
func ReadProfiles(dir string) ([]Profile, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("profiles directory: %w", err)
		}
		return nil, fmt.Errorf("%s: no profiles (*.json files) to snapshot", dir)
	}
	sort.Strings(paths)
	var profiles []Profile
	var errs []error
	for _, p := range paths {
		rec, err := recipients.ReadProfile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		profiles = append(profiles, Profile{Name: strings.TrimSuffix(filepath.Base(p), ".json"), Recipient: campaign.Recipient(rec)})
	}
	return profiles, errors.Join(errs...)
}
