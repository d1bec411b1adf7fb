package message

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// sample returns a message using every field, with non-ASCII text in the
// subject, a display name and both bodies.
func sample() Message {
	return Message{
		From:        "Zoë Café <shop@example.com>",
		ReplyTo:     "Help Desk <help@example.com>",
		To:          "Ann Lee <ann@example.org>",
		Subject:     "Été: 20 % de réduction sur les chaussures de course, cette semaine seulement, Zoë!",
		Date:        time.Date(2026, 6, 1, 9, 30, 0, 0, time.FixedZone("CEST", 2*60*60)),
		MessageID:   "<d1ce955548905d773ed39eb30bd30ecf@example.com>",
		Unsubscribe: "https://shop.example.com/unsubscribe?u=u-1042&c=june",
		Headers:     [][2]string{{"X-Campaign", "june-2026"}, {"X-Note", "Grüße"}, {"X-Campaign", "second"}},
		HTML:        "<p>Bonjour Zoë,</p>\n<p>l&#x27;été arrive.</p>\n",
		Text:        "Bonjour Zoë,\n\nl'été arrive.\n",
	}
}

func write(t *testing.T, m Message) []byte {
	t.Helper()
	var b bytes.Buffer
	n, err := m.WriteTo(&b)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(b.Len()) {
		t.Errorf("WriteTo returned %d, wrote %d bytes", n, b.Len())
	}
	return b.Bytes()
}

type part struct{ contentType, body string }

// parse reads raw back with net/mail and mime/multipart, as a mail client
// would, decoding quoted-printable and normalizing CRLF to LF in bodies.
func parse(t *testing.T, raw []byte) (*mail.Message, []part) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("mail.ReadMessage: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	var parts []part
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("NextPart: %v", err)
		}
		body, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		parts = append(parts, part{p.Header.Get("Content-Type"), strings.ReplaceAll(string(body), "\r\n", "\n")})
	}
	return msg, parts
}

func TestWriteToRoundTrip(t *testing.T) {
	long := sample()
	long.HTML = "<p>" + strings.Repeat("Zoë & the café: 20% off! ", 200)[:5000] + "</p>"
	long.Text = strings.Repeat("x", 5000) + "\n"
	ascii := Message{
		From: "shop@example.com", To: "ann@example.org", Subject: "Hello",
		Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), MessageID: "<a.b@example.com>",
		HTML: "<p>Hi</p>", Text: "Hi",
	}
	tests := []struct {
		name string
		m    Message
	}{
		{"non-ASCII", sample()},
		{"5000-char lines", long},
		{"ASCII minimal", ascii},
	}
	dec := new(mime.WordDecoder)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			msg, parts := parse(t, write(t, m))
			h := msg.Header
			if got, err := dec.DecodeHeader(h.Get("Subject")); err != nil || got != m.Subject {
				t.Errorf("Subject = %q (%v), want %q", got, err, m.Subject)
			}
			for name, want := range map[string]string{"From": m.From, "To": m.To, "Reply-To": m.ReplyTo} {
				if want == "" {
					if h.Get(name) != "" {
						t.Errorf("%s = %q, want none", name, h.Get(name))
					}
					continue
				}
				got, err := h.AddressList(name)
				w, _ := mail.ParseAddress(want)
				if err != nil || len(got) != 1 || *got[0] != *w {
					t.Errorf("%s = %v (%v), want %v", name, got, err, w)
				}
			}
			if got, err := h.Date(); err != nil || !got.Equal(m.Date) {
				t.Errorf("Date = %v (%v), want %v", got, err, m.Date)
			}
			if got := h.Get("Message-ID"); got != m.MessageID {
				t.Errorf("Message-ID = %q, want %q", got, m.MessageID)
			}
			if got := h.Get("MIME-Version"); got != "1.0" {
				t.Errorf("MIME-Version = %q, want 1.0", got)
			}
			if len(parts) != 2 {
				t.Fatalf("got %d parts, want 2", len(parts))
			}
			want := []part{
				{"text/plain; charset=UTF-8", strings.ReplaceAll(m.Text, "\r\n", "\n")},
				{"text/html; charset=UTF-8", strings.ReplaceAll(m.HTML, "\r\n", "\n")},
			}
			for i := range want {
				if parts[i].contentType != want[i].contentType {
					t.Errorf("part %d Content-Type = %q, want %q", i, parts[i].contentType, want[i].contentType)
				}
				if parts[i].body != want[i].body {
					t.Errorf("part %d body = %q, want %q", i, parts[i].body, want[i].body)
				}
			}
		})
	}
}

func TestWriteToExtraHeadersInOrder(t *testing.T) {
	msg, _ := parse(t, write(t, sample()))
	dec := new(mime.WordDecoder)
	got := msg.Header["X-Campaign"]
	if want := []string{"june-2026", "second"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("X-Campaign = %q, want %q", got, want)
	}
	if got, err := dec.DecodeHeader(msg.Header.Get("X-Note")); err != nil || got != "Grüße" {
		t.Errorf("X-Note = %q (%v), want %q", got, err, "Grüße")
	}
}

// headerNames lists the field names of raw's header block in order.
func headerNames(raw []byte) []string {
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	var names []string
	for line := range strings.SplitSeq(string(head), "\r\n") {
		if line != "" && line[0] != ' ' && line[0] != '\t' {
			name, _, _ := strings.Cut(line, ":")
			names = append(names, name)
		}
	}
	return names
}

func TestWriteToHeaderOrder(t *testing.T) {
	got := strings.Join(headerNames(write(t, sample())), " ")
	want := "From Reply-To To Subject Date Message-ID MIME-Version List-Unsubscribe List-Unsubscribe-Post " +
		"X-Campaign X-Note X-Campaign Content-Type"
	if got != want {
		t.Errorf("header order = %s\nwant %s", got, want)
	}
}

func TestWriteToDeterministic(t *testing.T) {
	m := sample()
	first := write(t, m)
	for i := 0; i < 5; i++ {
		c := m
		c.Headers = append([][2]string(nil), m.Headers...)
		if again := write(t, c); !bytes.Equal(first, again) {
			t.Fatalf("write %d differs from the first:\n%s\n---\n%s", i+2, first, again)
		}
	}
	for _, leak := range []string{"go-mail", "User-Agent", "X-Mailer"} {
		if bytes.Contains(first, []byte(leak)) {
			t.Errorf("message contains %q", leak)
		}
	}
}

func TestWriteToLineLength(t *testing.T) {
	m := sample()
	m.HTML = "<p>" + strings.Repeat("é", 2500) + "</p>" // 5,000 octets of UTF-8 on one line
	m.Text = strings.Repeat("a", 5000)
	m.Headers = append(m.Headers, [2]string{"X-Words", strings.Repeat("word ", 300)})
	raw := write(t, m)
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line %d has %d octets, want <= 998", i+1, len(line))
		}
		if len(line) > 78 {
			t.Errorf("line %d has %d octets, want <= 78: %.40q...", i+1, len(line), line)
		}
	}
	msg, parts := parse(t, raw)
	if got, want := msg.Header.Get("X-Words"), strings.TrimSpace(strings.Repeat("word ", 300)); got != want {
		t.Errorf("X-Words unfolds to %q, want %q", got, want)
	}
	if len(parts) != 2 || parts[0].body != m.Text || parts[1].body != m.HTML {
		t.Errorf("bodies do not survive the 5,000-octet lines")
	}
}

func TestWriteToUnsubscribe(t *testing.T) {
	tests := []struct {
		url, list, post string
	}{
		{"https://x.example/u?id=1", "<https://x.example/u?id=1>", "List-Unsubscribe=One-Click"},
		{"http://x.example/u", "<http://x.example/u>", "List-Unsubscribe=One-Click"},
		{"mailto:unsub@x.example?subject=u-1", "<mailto:unsub@x.example?subject=u-1>", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		m := sample()
		m.Unsubscribe = tt.url
		msg, _ := parse(t, write(t, m))
		if got := msg.Header.Get("List-Unsubscribe"); got != tt.list {
			t.Errorf("Unsubscribe %q: List-Unsubscribe = %q, want %q", tt.url, got, tt.list)
		}
		if got := msg.Header.Get("List-Unsubscribe-Post"); got != tt.post {
			t.Errorf("Unsubscribe %q: List-Unsubscribe-Post = %q, want %q", tt.url, got, tt.post)
		}
	}
}

func TestWriteToHeaderInjection(t *testing.T) {
	tests := []struct {
		header string
		set    func(m *Message, v string)
	}{
		{"From", func(m *Message, v string) { m.From = v }},
		{"Reply-To", func(m *Message, v string) { m.ReplyTo = v }},
		{"To", func(m *Message, v string) { m.To = v }},
		{"Subject", func(m *Message, v string) { m.Subject = v }},
		{"Message-ID", func(m *Message, v string) { m.MessageID = v }},
		{"List-Unsubscribe", func(m *Message, v string) { m.Unsubscribe = v }},
		{"X-Campaign", func(m *Message, v string) { m.Headers = [][2]string{{"X-Campaign", v}} }},
		{"X-Evil", func(m *Message, v string) { m.Headers = [][2]string{{v, "x"}} }},
	}
	for _, tt := range tests {
		for _, nl := range []string{"\r\n", "\n", "\r"} {
			m := sample()
			v := "ann@example.org" + nl + "Bcc: all@example.org"
			if tt.header == "X-Evil" {
				v = "X-Evil" + nl + "Bcc"
			}
			tt.set(&m, v)
			var b bytes.Buffer
			n, err := m.WriteTo(&b)
			if !errors.Is(err, ErrHeaderInjection) {
				t.Errorf("%s with %q: WriteTo error = %v, want ErrHeaderInjection", tt.header, nl, err)
				continue
			}
			if !strings.Contains(err.Error(), tt.header) {
				t.Errorf("%s with %q: error %q does not name the header", tt.header, nl, err)
			}
			if n != 0 || b.Len() != 0 {
				t.Errorf("%s with %q: wrote %d bytes, want none", tt.header, nl, b.Len())
			}
		}
	}
}

func TestWriteToInvalid(t *testing.T) {
	tests := []struct {
		name    string
		set     func(m *Message)
		wantErr string
	}{
		{"From not an address", func(m *Message) { m.From = "not an address" }, "From address"},
		{"From empty", func(m *Message) { m.From = "" }, "From address is not set"},
		{"To empty", func(m *Message) { m.To = " " }, "To address is not set"},
		{"To two addresses", func(m *Message) { m.To = "a@x.example, b@x.example" }, "To address"},
		{"Reply-To invalid", func(m *Message) { m.ReplyTo = "help@" }, "Reply-To address"},
		{"zero Date", func(m *Message) { m.Date = time.Time{} }, "Date is not set"},
		{"Message-ID without brackets", func(m *Message) { m.MessageID = "abc@example.com" }, "Message-ID"},
		{"Message-ID without domain", func(m *Message) { m.MessageID = "<abc>" }, "Message-ID"},
		{"Message-ID with space", func(m *Message) { m.MessageID = "<a b@example.com>" }, "Message-ID"},
		{"Unsubscribe ftp", func(m *Message) { m.Unsubscribe = "ftp://x.example/u" }, "want an http, https or mailto URL"},
		{"Unsubscribe no host", func(m *Message) { m.Unsubscribe = "https:///u" }, "no host"},
		{"Unsubscribe mailto no address", func(m *Message) { m.Unsubscribe = "mailto:nobody" }, "no address"},
		{"Unsubscribe space", func(m *Message) { m.Unsubscribe = "https://x.example/a b" }, "percent-encoded"},
		{"Unsubscribe brackets", func(m *Message) { m.Unsubscribe = "<https://x.example/>" }, "percent-encoded"},
		{"Unsubscribe too long", func(m *Message) { m.Unsubscribe = "https://x.example/" + strings.Repeat("a", 1000) }, "List-Unsubscribe: line of"},
		{"extra Subject", func(m *Message) { m.Headers = [][2]string{{"subject", "x"}} }, "written by WriteTo"},
		{"extra Content-Type", func(m *Message) { m.Headers = [][2]string{{"Content-Type", "text/plain"}} }, "written by WriteTo"},
		{"extra name with colon", func(m *Message) { m.Headers = [][2]string{{"X-A:b", "x"}} }, "invalid character"},
		{"extra name with space", func(m *Message) { m.Headers = [][2]string{{"X A", "x"}} }, "invalid character"},
		{"extra empty name", func(m *Message) { m.Headers = [][2]string{{"", "x"}} }, "empty name"},
		{"From name decodes to a line break", func(m *Message) { m.From = "=?utf-8?q?A=0D=0AB?= <shop@example.com>" }, "decodes to a line break"},
		{"From address with an encoded word", func(m *Message) { m.From = "=?utf-8?q?=0D=0A?=@example.com" }, "holds an encoded word"},
		{"To address with an encoded word", func(m *Message) { m.To = "x=?utf-8?q?=0A?=y@example.com" }, "holds an encoded word"},
		{"Message-ID with an encoded word", func(m *Message) { m.MessageID = "<=?utf-8?q?=0D=0A?=@example.com>" }, "Message-ID"},
		{"Unsubscribe with an encoded word", func(m *Message) { m.Unsubscribe = "https://x.example/u?a=?utf-8?q?=0D=0A?=" }, "encoded word"},
	}
	for _, tt := range tests {
		m := sample()
		tt.set(&m)
		var b bytes.Buffer
		_, err := m.WriteTo(&b)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: WriteTo error = %v, want one containing %q", tt.name, err, tt.wantErr)
		}
		if b.Len() != 0 {
			t.Errorf("%s: wrote %d bytes, want none", tt.name, b.Len())
		}
	}
}

func TestWriteToBoundaryNotInBody(t *testing.T) {
	m := sample()
	b := boundary(m.MessageID, "", "")
	first := string(b[:])
	m.HTML = "<p>\n--" + first + "\n</p>"
	msg, parts := parse(t, write(t, m))
	_, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if params["boundary"] == first {
		t.Errorf("boundary = %q, which occurs in the HTML", first)
	}
	if len(parts) != 2 || parts[1].body != m.HTML {
		t.Errorf("parts = %q, want the HTML %q intact", parts, m.HTML)
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct {
		key, from, want string
	}{
		// Hashes checked with Python: hashlib.sha256(key).hexdigest()[:32].
		{"june-2026\x00u-1042", "Shop <shop@Example.COM>", "<d1ce955548905d773ed39eb30bd30ecf@example.com>"},
		{"june-2026\x00u-1043", "shop@example.com", "<846aa3a057cd31ef5fd851ae55e0dda2@example.com>"},
		{"", "Bücher <news@bücher.example>", "<e3b0c44298fc1c149afbf4c8996fb924@xn--bcher-kva.example>"},
		{"", "shop@[192.0.2.1]", "<e3b0c44298fc1c149afbf4c8996fb924@[192.0.2.1]>"},
		{"", "no address here", "<e3b0c44298fc1c149afbf4c8996fb924@offermail.invalid>"},
		{"", "x@exa mple.com", "<e3b0c44298fc1c149afbf4c8996fb924@offermail.invalid>"},
	}
	for _, tt := range tests {
		got := MessageID(tt.key, tt.from)
		if got != tt.want {
			t.Errorf("MessageID(%q, %q) = %q, want %q", tt.key, tt.from, got, tt.want)
		}
		if err := checkMessageID(got); err != nil {
			t.Errorf("MessageID(%q, %q) = %q, which WriteTo refuses: %v", tt.key, tt.from, got, err)
		}
	}
}

// TestAppendDate holds appendDate, which keeps the last date's text, to
// time.Time.AppendFormat, for dates met again, the same instant in
// other zones, and other instants within the same second.
func TestAppendDate(t *testing.T) {
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	plus1 := time.FixedZone("CET", 3600)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	for _, d := range []time.Time{
		at, at, at.In(plus1), at.In(plus1), at, at.In(ny), at.Add(time.Second),
		at.Add(500 * time.Millisecond), at.Add(time.Hour).In(plus1), at,
		time.Date(1999, 12, 31, 23, 59, 59, 0, plus1), time.Date(1999, 12, 31, 23, 59, 59, 0, plus1),
	} {
		got, want := string(appendDate([]byte("x"), d)), "x"+d.Format(time.RFC1123Z)
		if got != want {
			t.Errorf("appendDate(%v) = %q, want %q", d, got, want)
		}
	}
}
