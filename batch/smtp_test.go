package batch

import (
	"bytes"
	"context"
	"io"
	"log"
	"mime"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/offermail/offermail/send"
)

// smtpServer is a real SMTP server (go-smtp) in the test process. answer
// decides the reply to each RCPT TO: it gets the address and how many
// times it was asked for it, from 1; nil accepts.
type smtpServer struct {
	host   string
	port   int
	answer func(to string, n int) error
	// hangUp, when it returns true for the n-th message to an address,
	// takes the message and closes the connection without an answer.
	hangUp func(to string, n int) bool

	mu    sync.Mutex
	rcpts map[string]int
	got   map[string][][]byte // envelope recipient → messages
}

func startSMTP(t *testing.T, answer func(to string, n int) error) *smtpServer {
	t.Helper()
	s := &smtpServer{answer: answer, rcpts: map[string]int{}, got: map[string][][]byte{}}
	srv := smtp.NewServer(s)
	srv.Domain = "mx.test.example"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	s.host = host
	s.port, _ = strconv.Atoi(port)
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *smtpServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{s: s, conn: c}, nil
}

func (s *smtpServer) messages() map[string][][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][][]byte{}
	for k, v := range s.got {
		out[k] = append([][]byte(nil), v...)
	}
	return out
}

func (s *smtpServer) asked(to string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcpts[to]
}

type smtpSession struct {
	s    *smtpServer
	conn *smtp.Conn
	to   string
}

func (ss *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	ss.s.rcpts[to]++
	n := ss.s.rcpts[to]
	ss.s.mu.Unlock()
	if ss.s.answer != nil {
		if err := ss.s.answer(to, n); err != nil {
			return err
		}
	}
	ss.to = to
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.got[ss.to] = append(ss.s.got[ss.to], data)
	n := len(ss.s.got[ss.to])
	ss.s.mu.Unlock()
	if ss.s.hangUp != nil && ss.s.hangUp(ss.to, n) {
		ss.conn.Conn().Close()
	}
	return nil
}

func (ss *smtpSession) Reset()        { ss.to = "" }
func (ss *smtpSession) Logout() error { return nil }

// smtpConfig sends to s with quick retries.
func smtpConfig(s *smtpServer) *send.Config {
	return &send.Config{Host: s.host, Port: s.port, Conns: 2, Attempts: 4, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Timeout: 5 * time.Second}
}

// TestSMTPDelivers: every good recipient's message arrives once, parses,
// and carries the headers of the newsletter; no files are written; a
// second run sends nothing.
func TestSMTPDelivers(t *testing.T) {
	srv := startSMTP(t, nil)
	cfg := config(t, newsletter, sampleNDJSON)
	cfg.SMTP = smtpConfig(srv)
	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Sent != 20 || rep.Totals.Written != 0 || rep.Totals.Rejected != 2 {
		t.Errorf("Totals = %+v, want 20 sent, 2 rejected", rep.Totals)
	}
	got := srv.messages()
	decisions := readDecisions(t, cfg.Out)
	if len(got) != 20 || len(decisions) != 20 {
		t.Fatalf("server got messages for %d recipients, %d decisions; want 20 each", len(got), len(decisions))
	}
	for to, msgs := range got {
		if len(msgs) != 1 {
			t.Errorf("%s got %d messages, want 1", to, len(msgs))
		}
		m, err := mail.ReadMessage(bytes.NewReader(msgs[0]))
		if err != nil {
			t.Errorf("message to %s does not parse: %v", to, err)
			continue
		}
		h := m.Header
		toAddr, err := mail.ParseAddress(h.Get("To"))
		if err != nil || toAddr.Address != to {
			t.Errorf("message to %s has To %q", to, h.Get("To"))
		}
		date, _ := h.Date()
		subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
		if !strings.Contains(h.Get("From"), "news@northwind.example") || !strings.HasSuffix(subject, ", the winter sale is on") ||
			h.Get("Message-Id") == "" || !date.Equal(decisionAt) || h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("message to %s headers: %v", to, h)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.Out, messagesDir)); !os.IsNotExist(err) {
		t.Errorf("messages/ exists when sending (%v)", err)
	}

	cfg.At = time.Time{}
	if _, err := runBatch(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	for to, msgs := range srv.messages() {
		if len(msgs) != 1 {
			t.Errorf("after a second run %s has %d messages, want 1", to, len(msgs))
		}
	}
}

// TestSMTPRetriesAndRejects: a 4xx answer is retried until the server
// takes the message; a 5xx answer is a reject with the server's code and
// text, after the recipient was decided.
func TestSMTPRetriesAndRejects(t *testing.T) {
	const deferred, refused = "maya.chen@example.com", "liam.oconnor@example.com"
	srv := startSMTP(t, func(to string, n int) error {
		switch {
		case to == deferred && n <= 2:
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		case to == refused:
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user here"}
		}
		return nil
	})
	cfg := config(t, newsletter, sampleNDJSON)
	cfg.SMTP = smtpConfig(srv)
	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.messages()[deferred]); n != 1 || srv.asked(deferred) != 3 {
		t.Errorf("%s: %d messages after %d RCPT, want 1 after 3", deferred, n, srv.asked(deferred))
	}
	var sendRejects []rejectLine
	for _, r := range readRejects(t, cfg.Out) {
		if r.Stage == stageSend {
			sendRejects = append(sendRejects, r)
		}
	}
	if len(sendRejects) != 1 || sendRejects[0].ID != "u-1002" || sendRejects[0].Line != 2 ||
		!strings.Contains(sendRejects[0].Reason, "550 5.1.1") || !strings.Contains(sendRejects[0].Reason, "no such user here") {
		t.Errorf("send rejects = %+v, want u-1002 at line 2 with 550 5.1.1 no such user here", sendRejects)
	}
	if _, ok := readDecisions(t, cfg.Out)["u-1002"]; !ok {
		t.Error("u-1002 has no decisions line, but it was decided before the server refused it")
	}
	want := Totals{Total: 22, Decided: 20, Sent: 19, Rejected: 3}
	if rep.Totals != want {
		t.Errorf("Totals = %+v, want %+v", rep.Totals, want)
	}

	// A rerun neither sends again nor asks the server about the refused one.
	before := srv.asked(refused)
	cfg.At = time.Time{}
	if _, err := runBatch(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if srv.asked(refused) != before || len(srv.messages()[deferred]) != 1 {
		t.Errorf("the rerun talked to the server: %d RCPT for the refused address (was %d), %d messages for the deferred one",
			srv.asked(refused), before, len(srv.messages()[deferred]))
	}
}

// TestSMTPUnreachableThenResume: a server that cannot be reached fails the
// run (it is not every recipient's fault); once it is back, the same run
// completes and every recipient gets one message.
func TestSMTPUnreachableThenResume(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	l.Close() // nothing listens there now
	cfg := config(t, newsletter, sampleNDJSON)
	cfg.SMTP = &send.Config{Host: "127.0.0.1", Port: addr.Port, Attempts: 2, Backoff: time.Millisecond, Timeout: time.Second}
	if _, err := runBatch(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "send to") {
		t.Fatalf("Run against a closed port = %v, want a send error", err)
	}
	if got := readDecisions(t, cfg.Out); len(got) != 0 {
		t.Errorf("%d decisions lines after a failed send, want 0: nothing was sent", len(got))
	}

	srv := startSMTP(t, nil)
	cfg.SMTP = smtpConfig(srv)
	cfg.SMTP.Port = srv.port
	// The server moved: a new port is the same delivery in run.json.
	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.messages()) != 20 || rep.Totals.Sent != 20 || rep.Attempt.Replayed == 0 {
		t.Errorf("server got %d recipients' messages, Totals %+v, attempt %+v; want 20, 20 sent, some replayed",
			len(srv.messages()), rep.Totals, rep.Attempt)
	}
}

// TestSMTPConnectionLostAfterData: the server takes a message and hangs
// up before its answer. That message was sent again (twice, same
// Message-ID; issue 13, item 8); now it is a reject of stage "unknown",
// counted in report.json, not sent again by a rerun, and sent again only
// by a rerun with ResendUnknown, which counts no cap twice and then
// writes its decisions line.
func TestSMTPConnectionLostAfterData(t *testing.T) {
	const lost = "maya.chen@example.com"
	srv := startSMTP(t, nil)
	srv.hangUp = func(to string, n int) bool { return to == lost && n == 1 }
	cfg := config(t, newsletter, sampleNDJSON)
	cfg.SMTP = smtpConfig(srv)
	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := Totals{Total: 22, Decided: 19, Sent: 19, Rejected: 3, Unknown: 1}
	if rep.Totals != want || rep.Rejects[stageUnknown] != 1 {
		t.Errorf("Totals = %+v, rejects %v; want %+v and 1 unknown", rep.Totals, rep.Rejects, want)
	}
	if n := len(srv.messages()[lost]); n != 1 {
		t.Fatalf("%s got %d messages, want 1: a message whose answer was lost must not be retried", lost, n)
	}
	var unknown []rejectLine
	for _, r := range readRejects(t, cfg.Out) {
		if r.Stage == stageUnknown {
			unknown = append(unknown, r)
		}
	}
	if len(unknown) != 1 || unknown[0].ID != "u-1001" || !strings.Contains(unknown[0].Reason, "may or may not have been delivered") {
		t.Errorf("unknown rejects = %+v, want u-1001 saying it may or may not have been delivered", unknown)
	}
	if _, ok := readDecisions(t, cfg.Out)["u-1001"]; ok {
		t.Error("u-1001 has a decisions line, but its delivery is unknown")
	}

	cfg.At = time.Time{}
	rep, err = runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.messages()[lost]); n != 1 || rep.Totals.Unknown != 1 || rep.Attempt.Recipients != 0 {
		t.Errorf("a rerun: %s has %d messages, Totals %+v, attempt %+v; want 1, still unknown, nothing done", lost, n, rep.Totals, rep.Attempt)
	}

	cfg.ResendUnknown = true
	rep, err = runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()[lost]
	if len(msgs) != 2 || !bytes.Equal(msgs[0], msgs[1]) {
		t.Errorf("a rerun with ResendUnknown: %s has %d messages, want the same one twice", lost, len(msgs))
	}
	want = Totals{Total: 22, Decided: 20, Sent: 20, Rejected: 2}
	if rep.Totals != want || rep.Attempt.Replayed != 1 {
		t.Errorf("after ResendUnknown: Totals %+v, attempt %+v; want %+v and 1 replayed (counted once)", rep.Totals, rep.Attempt, want)
	}
	if _, ok := readDecisions(t, cfg.Out)["u-1001"]; !ok {
		t.Error("u-1001 has no decisions line after its message was sent again and accepted")
	}
	for to, msgs := range srv.messages() {
		if to != lost && len(msgs) != 1 {
			t.Errorf("%s got %d messages, want 1", to, len(msgs))
		}
	}
}

// TestSMTPInternationalAddresses: an IDN domain is sent as punycode; a
// non-ASCII local part, which the server (without SMTPUTF8) cannot take,
// is a send reject saying so, and the run goes on (issue 13, item 13).
func TestSMTPInternationalAddresses(t *testing.T) {
	srv := startSMTP(t, nil)
	recipients := writeTemplate(t, "r.ndjson", `{"id":"i1","email":"anna@bücher.example"}`+"\n"+`{"id":"i2","email":"jörg@example.com"}`+"\n")
	cfg := config(t, newsletter, recipients)
	cfg.SMTP = smtpConfig(srv)
	rep, err := runBatch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.messages(); len(got) != 1 || len(got["anna@xn--bcher-kva.example"]) != 1 {
		t.Errorf("server got messages for %v, want one for anna@xn--bcher-kva.example", got)
	}
	rejects := readRejects(t, cfg.Out)
	if rep.Totals.Sent != 1 || len(rejects) != 1 || rejects[0].ID != "i2" || rejects[0].Stage != stageSend ||
		!strings.Contains(rejects[0].Reason, "needs SMTPUTF8, and the server does not offer it") {
		t.Errorf("Totals %+v, rejects %+v; want 1 sent and i2 a send reject for SMTPUTF8", rep.Totals, rejects)
	}
}
