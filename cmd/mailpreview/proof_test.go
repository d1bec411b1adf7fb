package main

import (
	"io"
	"log"
	"net"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/offermail/offermail/decide/capstore"
)

// proofServer is a real SMTP server (go-smtp) in the test process, on a
// free loopback port, keeping every message it accepts.
type proofServer struct {
	mu   sync.Mutex
	got  []proofMail
	addr string
	// refuse makes RCPT answer 550.
	refuse atomic.Bool
}

type proofMail struct {
	from, to string
	data     string
}

func startProofServer(t *testing.T) *proofServer {
	t.Helper()
	ps := &proofServer{}
	srv := smtp.NewServer(ps)
	srv.Domain = "proof.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ps.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return ps
}

func (ps *proofServer) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &proofSession{ps: ps}, nil
}

func (ps *proofServer) mails() []proofMail {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]proofMail(nil), ps.got...)
}

type proofSession struct {
	ps       *proofServer
	from, to string
}

func (s *proofSession) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *proofSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.ps.refuse.Load() {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.to = to
	return nil
}
func (s *proofSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ps.mu.Lock()
	s.ps.got = append(s.ps.got, proofMail{s.from, s.to, string(b)})
	s.ps.mu.Unlock()
	return nil
}
func (s *proofSession) Reset()        {}
func (s *proofSession) Logout() error { return nil }

// TestRenderProof: render --smtp --to sends one message to the test
// address (envelope and To header), marked as a proof, as the message
// render prints, and counts nothing in the store it read.
func TestRenderProof(t *testing.T) {
	ps := startProofServer(t)
	store := filepath.Join(t.TempDir(), "state.db")
	s, err := capstore.Open("bolt:" + store)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	base := []string{"render", "--library", library, "--template", filepath.Join(tplDir, "newsletter.hbs"),
		"--profile", filepath.Join(profiles, "maya-gold-runner.json"), "--at", at, "--store", "bolt:" + store}
	code, out, errOut := run(t, append(base, "--smtp", "smtp://"+ps.addr+"?tls=none", "--to", "qa@example.com")...)
	if code != exitOK || !strings.HasPrefix(out, "proof of "+filepath.Join(profiles, "maya-gold-runner.json")+" sent to qa@example.com via smtp://"+ps.addr) {
		t.Fatalf("render --smtp = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	got := ps.mails()
	if len(got) != 1 || got[0].to != "qa@example.com" || got[0].from != "news@northwind.example" {
		t.Fatalf("the server got %d messages (%+v), want one from news@northwind.example to qa@example.com", len(got), got)
	}
	msg, err := mail.ReadMessage(strings.NewReader(got[0].data))
	if err != nil {
		t.Fatal(err)
	}
	if to := msg.Header.Get("To"); to != "<qa@example.com>" {
		t.Errorf("To = %q, want the test address only", to)
	}
	if p := msg.Header.Get(ProofHeader); !strings.HasPrefix(p, "yes") {
		t.Errorf("%s = %q, want it marked as a proof", ProofHeader, p)
	}
	if subj := msg.Header.Get("Subject"); subj != "Maya, the winter sale is on" {
		t.Errorf("Subject = %q, want the message's own", subj)
	}
	if strings.Contains(got[0].data, "maya.chen@example.com") {
		t.Errorf("the proof names the profile's own address")
	}
	// What render prints is what was sent, but for the To and proof headers.
	_, eml, _ := run(t, append(base, "--format", "eml")...)
	norm := func(s string) string {
		var keep []string
		for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
			if !strings.HasPrefix(l, "To:") && !strings.HasPrefix(l, ProofHeader+":") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if norm(got[0].data) != norm(eml) {
		t.Errorf("the proof differs from render --format eml beyond To and %s", ProofHeader)
	}
	// Nothing was counted: the store still holds no counter and no ledger.
	s, err = capstore.Open("bolt:"+store, capstore.WithReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.Counts(t.Context(), []string{"cap|gold-double-points|profile|m2026-12|*|u-1001", "cap|gold-double-points|total|all|*|*"}); err != nil || n[0] != 0 || n[1] != 0 {
		t.Errorf("counters after a proof = %v, %v; want 0", n, err)
	}

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--smtp", "smtp://" + ps.addr}, exitUsage, "needs --to"},
		{[]string{"--to", "qa@example.com"}, exitUsage, "needs --smtp"},
		{[]string{"--smtp", "smtp://" + ps.addr, "--to", "QA <qa@example.com>"}, exitUsage, "one bare address"},
		{[]string{"--smtp", "smtp://" + ps.addr, "--to", "qa@example.com", "--format", "html"}, exitUsage, "a proof is the MIME message"},
		{[]string{"--smtp", "ftp://" + ps.addr, "--to", "qa@example.com"}, exitUsage, "--smtp"},
	} {
		if code, _, errOut := run(t, append(base, tt.args...)...); code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("render %q = %d, %q; want %d and %q", tt.args, code, errOut, tt.code, tt.want)
		}
	}
	ps.refuse.Store(true)
	if code, _, errOut := run(t, append(base, "--smtp", "smtp://"+ps.addr+"?tls=none", "--to", "qa@example.com")...); code != exitFailed || !strings.Contains(errOut, "refused the proof") || !strings.Contains(errOut, "550") {
		t.Errorf("a refused proof = %d, %q; want %d naming the refusal", code, errOut, exitFailed)
	}
}
