package batch

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/offermail/offermail/campaign"
)

// openParts prepares OUT/messages for a packed run, after what earlier
// attempts left there. The index is the authority: a torn last line is cut
// (scanJournal), part bytes after the last indexed message are cut, and
// parts that no index line names are removed. It returns the parts, ready
// to append, and the recipients the index names that done does not: an
// attempt stopped after their messages were indexed and before they were
// journalled (their decisions are adopted from the ledger, not made
// again, so their messages are not written twice).
func openParts(out string, f campaign.Format, pack int, at time.Time, done *resumed) (*parts, []string, error) {
	p := &parts{dir: filepath.Join(out, messagesDir), format: f, ext: partExt(f), pack: pack, at: at}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return nil, nil, outputErr(err)
	}
	indexPath := filepath.Join(p.dir, indexFile)
	var orphans []string
	var last indexLine // the last message, in the last part
	n := 0
	err := scanJournal(indexPath, func(_ int, line []byte) error {
		var e indexLine
		if err := json.Unmarshal(line, &e); err != nil {
			return err
		}
		num := n/pack + 1
		if e.Recipient == "" || e.Part != p.partName(num) || e.Offset < 0 || e.Length < 0 {
			return fmt.Errorf("not index line %d of a run packing %d messages a part", n+1, pack)
		}
		if e.Part == last.Part && e.Offset < last.Offset+last.Length {
			return fmt.Errorf("index line %d overlaps the message before it", n+1)
		}
		if !done.done.has(e.Recipient) {
			orphans = append(orphans, e.Recipient)
		}
		last = e
		n++
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if n > 0 {
		p.num, p.n, p.part = (n-1)/pack+1, (n-1)%pack+1, last.Part
		f, err := os.OpenFile(filepath.Join(p.dir, last.Part), os.O_WRONLY, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("%s names %s: %w", indexPath, last.Part, err)
		}
		st, err := f.Stat()
		end := last.Offset + last.Length + 1 // and the message's newline
		switch {
		case err != nil:
			f.Close()
			return nil, nil, outputErr(err)
		case st.Size() < end:
			// The index is written after its part is on disk: a part
			// shorter than the index says was changed by something else.
			f.Close()
			return nil, nil, fmt.Errorf("%s holds %d bytes, but %s has a message up to byte %d: the part was changed by something other than mailpreview", last.Part, st.Size(), indexFile, end)
		}
		err = f.Truncate(end)
		if err == nil {
			_, err = f.Seek(end, 0)
		}
		if err != nil {
			f.Close()
			return nil, nil, outputErr(err)
		}
		p.f, p.written = f, end
	}
	if err := p.removeStale(); err != nil {
		return nil, nil, err
	}
	if p.index, err = os.OpenFile(indexPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err != nil {
		p.close()
		return nil, nil, outputErr(err)
	}
	return p, orphans, nil
}

// removeStale removes the parts after the current one: an attempt started
// them before it indexed anything in them. Anything else in OUT/messages
// but the index is an error: the directory belongs to the run.
func (p *parts) removeStale() error {
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return outputErr(err)
	}
	for _, e := range entries {
		name := e.Name()
		if name == indexFile {
			continue
		}
		var num int
		if _, err := fmt.Sscanf(name, "part-%05d."+p.ext, &num); err != nil || name != p.partName(num) || num <= 0 {
			return fmt.Errorf("%s holds %s, which is not a part of this run: move it away and run again", p.dir, name)
		}
		if num > p.num {
			if err := os.Remove(filepath.Join(p.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return outputErr(err)
			}
		}
	}
	return nil
}
