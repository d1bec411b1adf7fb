package batch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"

	"github.com/offermail/offermail/decide"
)

// Reject stages: where a recipient was refused.
const (
	stageRead   = "read"   // the record itself (SPEC §6)
	stageRender = "render" // the template, for this recipient
	stageSend   = "send"   // the SMTP server, for good
	// stageSuppressed: the recipient is on the store's suppression list
	// (SPEC §10): not decided, nothing counted, no message.
	stageSuppressed = "suppressed"
	// stageUnknown: the message went out whole but the connection ended
	// before the server's answer. The decision is in the ledger, not yet
	// in decisions.ndjson: that line comes once a run with ResendUnknown
	// sends it again and the server accepts it.
	stageUnknown = "unknown"
)

// rejectLine is one line of rejects.ndjson.
type rejectLine struct {
	Line   int    `json:"line"`
	ID     string `json:"id,omitempty"`
	Stage  string `json:"stage"`
	Reason string `json:"reason"`
}

// outcome is what became of one recipient or bad record.
type outcome struct {
	// decision is the recipient's decisions.ndjson line without its
	// newline; nil for a record rejected before it was decided.
	decision []byte
	d        *decide.Decision // what decision was written from
	reject   *rejectLine
	replayed bool
	// ordered outcomes (of decided recipients) have their place among the
	// records the attempt decides, seq.
	ordered bool
	seq     uint64
	// msg, in a packed run, is the message, to be appended to a part as
	// the recipient is journalled; recipient and from go with it.
	msg             []byte
	recipient, from string
}

// decisionOf is the decisions.ndjson line of a recipient's decision, as
// decisionLine makes it, in one allocation.
func decisionOf(campaign, recipient string, d *decide.Decision) ([]byte, error) {
	line := appendLineHead(make([]byte, 0, 512+len(campaign)+len(recipient)), campaign, recipient)
	at := len(line)
	line, err := d.AppendJSON(line)
	if err != nil {
		return nil, err
	}
	// Without the record's own '{'.
	return append(line[:at], line[at+1:]...), nil
}

// appendLineHead appends the start of a decisions line, up to the members
// of the decision's record.
func appendLineHead(line []byte, campaign, recipient string) []byte {
	line = append(line, `{"campaign":`...)
	line = strconv.AppendQuote(line, campaign)
	line = append(line, `,"recipient":`...)
	line = strconv.AppendQuote(line, recipient)
	return append(line, ',')
}

// decisionLine builds a decisions.ndjson line from the JSON of a
// decision, which is {"propositions":[…]}, without decoding it again.
func decisionLine(campaign, recipient string, record []byte) []byte {
	line := appendLineHead(make([]byte, 0, len(record)+len(campaign)+len(recipient)+32), campaign, recipient)
	return append(line, record[1:]...)
}

// journal appends outcomes to decisions.ndjson and rejects.ndjson. Lines
// are held in memory and made durable by commit, in the order that keeps
// a crash harmless: message files first, then rejects, then decisions — a
// recipient is done once its decisions line is on disk, and by then its
// message file and any reject of its message are on disk too. (A buffered
// writer would flush by itself when full, out of that order.) With
// another sink, "message files" are whatever its Sync makes durable.
type journal struct {
	decisions, rejects *os.File
	dbuf, rbuf         []byte
	// syncSink makes the messages delivered so far durable (the sink's
	// Sync); nil when the sink has nothing to sync (SMTP).
	syncSink  func() error
	delivered bool  // messages delivered since the last commit
	pending   int   // outcomes not yet committed
	broken    error // a write failed: writing again could leave a torn line mid-file
}

func openJournal(out string, syncSink func() error) (*journal, error) {
	open := func(name string) (*os.File, error) {
		f, err := os.OpenFile(filepath.Join(out, name), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return nil, outputErr(err)
		}
		return f, nil
	}
	d, err := open(decisionsFile)
	if err != nil {
		return nil, err
	}
	r, err := open(rejectsFile)
	if err != nil {
		d.Close()
		return nil, err
	}
	return &journal{decisions: d, rejects: r, syncSink: syncSink}, nil
}

// add holds the lines of one outcome until the next commit; delivered
// says that its message went to the sink.
func (j *journal) add(o *outcome, delivered bool) error {
	if o.reject != nil {
		b, err := json.Marshal(o.reject)
		if err != nil {
			return err
		}
		j.rbuf = append(append(j.rbuf, b...), '\n')
	}
	if o.decision != nil {
		j.dbuf = append(append(j.dbuf, o.decision...), '\n')
	}
	j.delivered = j.delivered || delivered
	j.pending++
	return nil
}

// size is how many bytes wait for the next commit.
func (j *journal) size() int { return len(j.dbuf) + len(j.rbuf) }

// commit makes every line added so far durable.
func (j *journal) commit() error {
	if j.broken != nil {
		return j.broken
	}
	if j.pending == 0 {
		return nil
	}
	if err := j.write(); err != nil {
		j.broken = err
		return err
	}
	j.delivered, j.pending = false, 0
	return nil
}

func (j *journal) write() error {
	if j.delivered && j.syncSink != nil {
		if err := j.syncSink(); err != nil {
			return outputErr(err)
		}
	}
	for _, w := range []struct {
		buf *[]byte
		f   *os.File
	}{{&j.rbuf, j.rejects}, {&j.dbuf, j.decisions}} {
		if len(*w.buf) == 0 {
			continue
		}
		if _, err := w.f.Write(*w.buf); err != nil {
			return outputErr(err)
		}
		if err := w.f.Sync(); err != nil {
			return outputErr(err)
		}
		*w.buf = (*w.buf)[:0]
	}
	return nil
}

// close commits and closes the files.
func (j *journal) close() error {
	err := j.commit()
	for _, f := range []*os.File{j.decisions, j.rejects} {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = outputErr(cerr)
		}
	}
	return err
}
