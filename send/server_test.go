package send

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testServer is a real SMTP server (go-smtp) in the test process, on a
// free 127.0.0.1 port. Its hooks decide the answer to each command; it
// records what it accepted and how it was talked to.
type testServer struct {
	t    *testing.T
	srv  *smtp.Server
	host string
	port int

	users map[string]string // AUTH PLAIN credentials; nil: no AUTH

	// Hooks return the answer to the n-th MAIL, RCPT or DATA (from 1,
	// over all connections); nil or a nil answer accepts.
	onMail, onRcpt, onData func(n int) error
	// afterData, when it returns true for the n-th DATA, takes the message
	// and then hangs up (or stalls, if it sleeps) instead of answering.
	afterData func(n int) bool

	mu        sync.Mutex
	got       []received
	mails     int
	rcpts     int
	datas     int
	auths     int
	conns     map[*smtp.Conn]bool
	active    int
	maxActive int
}

type received struct {
	from, to, user string
	data           []byte
	tls            bool
}

type serverOpts struct {
	users    map[string]string
	startTLS *tls.Config // offer STARTTLS with this config
	implicit *tls.Config // speak TLS from the first byte
	addr     string      // listen here instead of a free port
	utf8     bool        // offer SMTPUTF8
}

func startServer(t *testing.T, o serverOpts) *testServer {
	t.Helper()
	ts := &testServer{t: t, users: o.users, conns: map[*smtp.Conn]bool{}}
	ts.srv = smtp.NewServer(ts)
	ts.srv.Domain = "test.example"
	ts.srv.AllowInsecureAuth = true
	ts.srv.TLSConfig = o.startTLS
	ts.srv.EnableSMTPUTF8 = o.utf8
	// Not t.Log: the server may log after the test has ended.
	ts.srv.ErrorLog = log.New(io.Discard, "", 0)
	addr := o.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	if o.implicit != nil {
		l = tls.NewListener(l, o.implicit)
	}
	host, port, _ := net.SplitHostPort(l.Addr().String())
	ts.host = host
	ts.port, _ = strconv.Atoi(port)
	go ts.srv.Serve(l)
	t.Cleanup(func() { ts.srv.Close() })
	return ts
}

func (ts *testServer) addr() string { return net.JoinHostPort(ts.host, strconv.Itoa(ts.port)) }

func (ts *testServer) received() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.got...)
}

func (ts *testServer) counts() (mails, rcpts, datas, auths int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.mails, ts.rcpts, ts.datas, ts.auths
}

// NewSession implements smtp.Backend.
func (ts *testServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if !ts.conns[c] {
		ts.conns[c] = true
		ts.active++
		ts.maxActive = max(ts.maxActive, ts.active)
	}
	return &session{ts: ts, conn: c}, nil
}

type session struct {
	ts       *testServer
	conn     *smtp.Conn
	from, to string
	user     string
}

func (s *session) AuthMechanisms() []string {
	if s.ts.users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		s.ts.mu.Lock()
		s.ts.auths++
		s.ts.mu.Unlock()
		if want, ok := s.ts.users[user]; !ok || pass != want {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.ts.users != nil && s.user == "" {
		return smtp.ErrAuthRequired
	}
	n := s.ts.count(&s.ts.mails)
	s.from = from
	return call(s.ts.onMail, n)
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	n := s.ts.count(&s.ts.rcpts)
	s.to = to
	return call(s.ts.onRcpt, n)
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	n := s.ts.count(&s.ts.datas)
	if err := call(s.ts.onData, n); err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.ts.mu.Lock()
	s.ts.got = append(s.ts.got, received{from: s.from, to: s.to, user: s.user, data: data, tls: isTLS})
	s.ts.mu.Unlock()
	if s.ts.afterData != nil && s.ts.afterData(n) {
		s.conn.Conn().Close()
	}
	return nil
}

func (s *session) Reset() { s.from, s.to = "", "" }

func (s *session) Logout() error {
	s.ts.mu.Lock()
	defer s.ts.mu.Unlock()
	if s.ts.conns[s.conn] {
		s.ts.conns[s.conn] = false
		s.ts.active--
	}
	return nil
}

func (ts *testServer) count(n *int) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	*n++
	return *n
}

func call(hook func(int) error, n int) error {
	if hook == nil {
		return nil
	}
	return hook(n)
}

// smtpErr builds the server answer code enhanced text.
func smtpErr(code int, enhanced [3]int, text string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode(enhanced), Message: text}
}

// selfSigned returns a certificate for 127.0.0.1 and a pool that trusts
// it. The validity period is fixed, not taken from the clock.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "offermail test"},
		NotBefore:             time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// fakeClock lets tests count waits without waiting: SleepUntil moves the
// clock forward to the wake time at once. Concurrent sleepers leave it at
// the latest wake time, as real time would.
type fakeClock struct {
	mu     sync.Mutex
	start  time.Time
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	t := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	return &fakeClock{start: t, now: t}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) SleepUntil(ctx context.Context, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, t.Sub(c.now))
	if t.After(c.now) {
		c.now = t
	}
	return nil
}

func (c *fakeClock) elapsed() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now.Sub(c.start)
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}
