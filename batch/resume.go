package batch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/offermail/offermail/decide"
)

// fingerprints is a set of 64-bit hashes, sorted: 8 bytes per member,
// which is what a resume needs to remember of each recipient done.
type fingerprints struct {
	seed maphash.Seed
	keys []uint64
}

func newFingerprints() *fingerprints { return &fingerprints{seed: maphash.MakeSeed()} }

func (f *fingerprints) key(s string) uint64 { return maphash.String(f.seed, s) }

func (f *fingerprints) add(s string) { f.keys = append(f.keys, f.key(s)) }
func (f *fingerprints) addInt(n int) { f.keys = append(f.keys, uint64(n)) }
func (f *fingerprints) seal()        { slices.Sort(f.keys) }
func (f *fingerprints) has(s string) bool {
	_, ok := slices.BinarySearch(f.keys, f.key(s))
	return ok
}
func (f *fingerprints) hasInt(n int) bool {
	_, ok := slices.BinarySearch(f.keys, uint64(n))
	return ok
}

// progress is what earlier attempts finished.
type resumed struct {
	done     *fingerprints // recipient ids with a decisions line
	badLines *fingerprints // lines of records rejected when read
	decided  int           // decisions lines
	rejected int           // rejects lines
	// unknown is how many recipients' messages are unknown (sent, no
	// answer) and not sent again since.
	unknown int
	// orphans were rejected after their decision (render, send) by an
	// attempt that crashed before their decisions line was written.
	orphans []rejectLine
	// indexed have their message in a part (a packed run) but no
	// decisions line: the attempt crashed in between.
	indexed []string
}

// adoptIndexed takes recipients whose messages are in parts without a
// decisions line: adopt writes their lines, and they are not done again.
func (r *resumed) adoptIndexed(ids []string) { r.indexed = ids }

// resume reads what earlier attempts of the run finished, cutting off a
// line torn by a crash at the end of either journal. With a check, every
// recipient in decisions.ndjson must still have its ledger record in the
// store (see ledgerCheck). Recipients whose message is unknown (stage
// "unknown", no decisions line) count as done unless resend.
func resume(out, campaign string, check *ledgerCheck, resend bool) (*resumed, error) {
	r := &resumed{done: newFingerprints(), badLines: newFingerprints()}
	var late, unknown []rejectLine
	err := scanJournal(filepath.Join(out, rejectsFile), func(_ int, line []byte) error {
		var rl rejectLine
		if err := json.Unmarshal(line, &rl); err != nil {
			return err
		}
		switch {
		case rl.Line < 1 || rl.Reason == "":
			return errors.New("not a reject: it needs a line and a reason")
		case rl.Stage == stageRead:
			r.badLines.addInt(rl.Line)
		case rl.ID == "":
			return fmt.Errorf("a %s reject needs an id", rl.Stage)
		case rl.Stage == stageSuppressed:
			// Done without a decision.
			r.done.add(rl.ID)
		case rl.Stage == stageUnknown:
			unknown = append(unknown, rl)
		default:
			late = append(late, rl)
		}
		r.rejected++
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scanJournal(filepath.Join(out, decisionsFile), func(n int, line []byte) error {
		var d struct{ Campaign, Recipient string }
		if err := json.Unmarshal(line, &d); err != nil {
			return err
		}
		if d.Recipient == "" || d.Campaign != campaign {
			return fmt.Errorf("not a decision of campaign %q", campaign)
		}
		r.done.add(d.Recipient)
		r.decided++
		check.add(d.Recipient, n)
		return nil
	})
	if err == nil {
		err = check.done()
	}
	if err != nil {
		return nil, err
	}
	// Checked against the decided before those are sealed: a message
	// resent and accepted has its decisions line.
	decided := r.done.keys
	slices.Sort(decided)
	for _, rl := range unknown {
		if _, sent := slices.BinarySearch(decided, r.done.key(rl.ID)); !sent {
			r.unknown++
			if !resend {
				r.done.add(rl.ID)
			}
		}
	}
	r.done.seal()
	r.badLines.seal()
	for _, rl := range late {
		if !r.done.has(rl.ID) {
			r.orphans = append(r.orphans, rl)
		}
	}
	return r, nil
}

// adopt writes the decisions lines of orphans from the store's ledger, so
// that decisions.ndjson again mirrors the ledger.
func (r *resumed) adopt(ctx context.Context, store decide.Store, lib *decide.Library, campaign string, scopes []decide.Scope, j *journal) error {
	if len(r.orphans) == 0 && len(r.indexed) == 0 {
		return nil
	}
	ids := make([]string, 0, len(r.orphans)+len(r.indexed))
	for _, o := range r.orphans {
		ids = append(ids, o.ID)
	}
	ids = append(ids, r.indexed...)
	records, err := store.Records(ctx, campaign, ids)
	if err != nil {
		return err
	}
	for i, rec := range records {
		// Without a record (impossible unless the store was replaced) the
		// reject or indexed message stays as it is, and the recipient is
		// not tried again.
		if rec != nil {
			d, err := lib.Replay(rec, scopes...)
			if err != nil {
				return fmt.Errorf("recipient %s: %w", ids[i], err)
			}
			line, err := decisionOf(campaign, ids[i], d)
			if err != nil {
				return err
			}
			if err := j.add(&outcome{decision: line}, false); err != nil {
				return err
			}
			r.decided++
		}
		r.done.add(ids[i])
	}
	r.done.seal()
	r.orphans, r.indexed = nil, nil
	return j.commit()
}

// scanJournal calls parse for every line of an ndjson journal. Lines that
// are not JSON at the end of the file, with nothing good after them, are
// what a crash leaves behind (a torn write, or zeros after a power loss):
// they are cut off. Any other bad line means the file was changed by
// something else, and is an error naming the line.
// parse gets the line's number (from 1) and its text.
func scanJournal(path string, parse func(n int, line []byte) error) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 256<<10)
	var (
		off, badOff int64 = 0, -1
		n, badLine  int
		badErr      error
	)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			n++
			complete := line[len(line)-1] == '\n'
			body := bytes.TrimRight(line, "\r\n")
			var perr error
			switch {
			case !complete:
				perr = errors.New("torn line")
			case len(body) > 0:
				perr = parse(n, body)
			}
			if perr != nil && complete && json.Valid(body) {
				// Whole JSON that is not a journal line was not torn by a
				// crash: cutting it off would lose what it says.
				return fmt.Errorf("%s:%d: %v; the file was changed by something other than mailpreview: fix or remove that line", path, n, perr)
			}
			if perr != nil && badOff < 0 {
				badOff, badLine, badErr = off, n, perr
			} else if perr == nil && badOff >= 0 && len(body) > 0 {
				return fmt.Errorf("%s:%d: %v; the file was changed by something other than mailpreview: fix or remove that line", path, badLine, badErr)
			}
			off += int64(len(line))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
	}
	if badOff >= 0 {
		if err := f.Truncate(badOff); err != nil {
			return outputErr(err)
		}
		if err := f.Sync(); err != nil {
			return outputErr(err)
		}
	}
	return nil
}
