package batch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/offermail/offermail/campaign"
)

// parts is the message layout of a run with Runner.Pack: messages appended
// to part files of Pack messages each, in the order of the recipients in
// the source, with an index line per message (see the package doc).
//
// The runner appends (add) from one goroutine, in order, before it
// journals the recipient, and calls Sync before each journal commit:
// parts first, then the index, each written and fsynced. So the index
// never names bytes that are not on disk, and the journal never says a
// recipient is done before its message is indexed. A crash leaves at most
// a torn tail — part bytes beyond the last index line, a torn index line,
// index lines of recipients not journalled — which openParts repairs.
type parts struct {
	dir    string
	format campaign.Format
	ext    string // "mbox" for eml, "ndjson" for json and html
	pack   int
	at     time.Time // the decision time: the date of mbox From_ lines

	num     int      // the current part's number, 0 before the first
	part    string   // its name
	n       int      // messages in the current part
	f       *os.File // the current part
	written int64    // bytes of it on file; what buf holds follows
	buf     []byte

	index *os.File
	ibuf  []byte // index lines not yet written

	senders map[string][]byte // From header → the mbox From_ line
	// broken is the first failed write: what was held is lost, so nothing
	// more is written, and no index line can name bytes not on disk.
	broken error
}

const (
	indexFile = "index.ndjson"
	// partFlush is how much of a part is held in memory before it is
	// written, between two Syncs.
	partFlush = 1 << 20
)

// indexLine is one line of OUT/messages/index.ndjson.
type indexLine struct {
	Recipient string `json:"recipient"`
	Part      string `json:"part"`
	Offset    int64  `json:"offset"`
	Length    int64  `json:"length"`
}

// partExt is the extension of part files of a format.
func partExt(f campaign.Format) string {
	if f == campaign.EML {
		return "mbox"
	}
	return "ndjson"
}

func (p *parts) partName(num int) string { return fmt.Sprintf("part-%05d.%s", num, p.ext) }

// The methods of parts return the file system's errors as they are: the
// journal words them (outputErr) as it does a sink's.

// add appends a recipient's message (data, in the run's format; from, the
// sender) to the current part, starting a new part when it is full, and
// its index line.
func (p *parts) add(recipient, from string, data []byte) error {
	if p.broken != nil {
		return p.broken
	}
	if p.num == 0 || p.n == p.pack {
		if err := p.next(); err != nil {
			return err
		}
	}
	if p.buf == nil {
		// Room for what is held between two flushes, and a message.
		p.buf = make([]byte, 0, partFlush+partFlush/4)
	}
	if p.ext == "mbox" {
		p.buf = append(p.buf, p.fromLine(from)...)
	}
	offset, start := p.written+int64(len(p.buf)), len(p.buf)
	if p.ext == "mbox" {
		p.buf = appendMboxrd(p.buf, data)
	} else {
		var err error
		if p.buf, err = appendMessageLine(p.buf, p.format, recipient, data); err != nil {
			return fmt.Errorf("recipient %s: %w", recipient, err)
		}
	}
	if p.ext == "mbox" && len(p.buf) > start && p.buf[len(p.buf)-1] != '\n' {
		// The message's last line ends before the empty line that ends
		// the message (a reader sees it as part of the message).
		p.buf = append(p.buf, '\n')
	}
	length := len(p.buf) - start
	// The empty line that ends an mbox message; the end of an ndjson line.
	p.buf = append(p.buf, '\n')
	var err error
	if p.ibuf, err = appendIndexLine(p.ibuf, indexLine{Recipient: recipient, Part: p.part, Offset: offset, Length: int64(length)}); err != nil {
		return err
	}
	p.ibuf = append(p.ibuf, '\n')
	p.n++
	if len(p.buf) >= partFlush {
		return p.flush()
	}
	return nil
}

// fromLine is the mbox From_ line of a message from the sender from: its
// address and the decision time, so that a run writes the same bytes
// every time.
func (p *parts) fromLine(from string) []byte {
	if l, ok := p.senders[from]; ok {
		return l
	}
	addr := "MAILER-DAEMON"
	if a, err := mail.ParseAddress(from); err == nil && a.Address != "" && !bytes.ContainsAny([]byte(a.Address), " \t\r\n") {
		addr = a.Address
	}
	l := []byte("From " + addr + " " + p.at.UTC().Format("Mon Jan _2 15:04:05 2006") + "\n")
	if p.senders == nil {
		p.senders = map[string][]byte{}
	}
	p.senders[from] = l
	return l
}

// next closes the current part, made durable, and starts the next one.
func (p *parts) next() error {
	if p.f != nil {
		if err := p.flush(); err != nil {
			return err
		}
		if err := p.f.Sync(); err != nil {
			return err
		}
		if err := p.f.Close(); err != nil {
			return err
		}
		p.f = nil
	}
	p.num++
	p.part = p.partName(p.num)
	f, err := os.OpenFile(filepath.Join(p.dir, p.part), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	p.f, p.n, p.written = f, 0, 0
	// The new name must be as durable as the bytes the index will point at.
	return syncDir(p.dir)
}

// flush writes what buf holds to the current part.
func (p *parts) flush() error {
	if len(p.buf) == 0 {
		return nil
	}
	if p.broken != nil {
		return p.broken
	}
	n, err := p.f.Write(p.buf)
	p.written += int64(n)
	p.buf = p.buf[:0]
	if err != nil {
		p.broken = err
		return p.broken
	}
	return nil
}

// Sync makes every message added so far durable: the part's bytes, then
// the index lines that point at them.
func (p *parts) Sync() error {
	if p.broken != nil {
		return p.broken
	}
	if p.f != nil {
		if err := p.flush(); err != nil {
			return err
		}
		if err := p.f.Sync(); err != nil {
			p.broken = err
			return p.broken
		}
	}
	if len(p.ibuf) > 0 {
		_, err := p.index.Write(p.ibuf)
		if err == nil {
			err = p.index.Sync()
		}
		if err != nil {
			// A torn index line is cut by the next attempt.
			p.broken = err
			return p.broken
		}
		p.ibuf = p.ibuf[:0]
	}
	return nil
}

// close makes everything durable and closes the files.
func (p *parts) close() error {
	err := p.Sync()
	for _, f := range []*os.File{p.f, p.index} {
		if f != nil {
			if cerr := f.Close(); err == nil && cerr != nil {
				err = cerr
			}
		}
	}
	return err
}

// appendMboxrd appends msg quoted as mboxrd does: a line that starts with
// "From ", after any number of ">", gets one more ">" in front, so that
// readers split messages only at From_ lines and can undo the quoting.
// Such lines are rare (MIME bodies are quoted-printable), so it looks for
// "From " and copies what lies between in one piece.
func appendMboxrd(dst, msg []byte) []byte {
	atStart := true // msg[0] starts a line
	for {
		i := bytes.Index(msg, fromSpace)
		if i < 0 {
			return append(dst, msg...)
		}
		s := i // the start of the ">"s before it
		for s > 0 && msg[s-1] == '>' {
			s--
		}
		if (s == 0 && atStart) || (s > 0 && msg[s-1] == '\n') {
			dst = append(append(dst, msg[:s]...), '>')
			msg = msg[s:]
			i -= s
		}
		dst = append(dst, msg[:i+len(fromSpace)]...)
		msg, atStart = msg[i+len(fromSpace):], false
	}
}

var fromSpace = []byte("From ")

// appendIndexLine appends the index line of a message, as json.Marshal
// writes an indexLine.
func appendIndexLine(dst []byte, e indexLine) ([]byte, error) {
	dst = append(dst, `{"recipient":`...)
	if plainJSON(e.Recipient) {
		dst = append(append(append(dst, '"'), e.Recipient...), '"')
	} else {
		q, err := json.Marshal(e.Recipient)
		if err != nil {
			return dst, err
		}
		dst = append(dst, q...)
	}
	dst = append(append(append(dst, `,"part":"`...), e.Part...), `","offset":`...)
	dst = strconv.AppendInt(dst, e.Offset, 10)
	dst = append(dst, `,"length":`...)
	dst = strconv.AppendInt(dst, e.Length, 10)
	return append(dst, '}'), nil
}

// plainJSON reports whether json.Marshal writes s as it is, in quotes:
// printable ASCII without a quote, a backslash or a character it escapes
// for HTML.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// appendMessageLine appends one message of a json or html run as a line
// of JSON: the rendered message's members after "recipient" (json), or
// {"recipient":…,"html":…} (html).
func appendMessageLine(dst []byte, f campaign.Format, recipient string, data []byte) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(recipient); err != nil {
		return nil, err
	}
	dst = append(dst, `{"recipient":`...)
	dst = append(dst, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
	if f == campaign.HTML {
		b.Reset()
		if err := enc.Encode(string(data)); err != nil {
			return nil, err
		}
		dst = append(dst, `,"html":`...)
		dst = append(dst, bytes.TrimSuffix(b.Bytes(), []byte("\n"))...)
		return append(dst, '}'), nil
	}
	b.Reset()
	if err := json.Compact(&b, data); err != nil {
		return nil, err
	}
	obj := b.Bytes()
	if len(obj) < 2 || obj[0] != '{' {
		return nil, fmt.Errorf("a json message is not an object: %.40q", obj)
	}
	if obj[1] != '}' {
		dst = append(dst, ',')
	}
	return append(dst, obj[1:]...), nil
}
