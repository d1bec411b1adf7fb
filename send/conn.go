package send

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/offermail/offermail/internal/mailaddr"
)

// longAgo is a deadline in the past: setting it makes every blocked read
// or write on a connection return at once.
var longAgo = time.Unix(1, 0)

// conn is one SMTP session, set up by go-mail (EHLO, STARTTLS, AUTH) and
// then driven directly, so the message goes out as the exact bytes given.
type conn struct {
	smtp *smtp.Client
	raw  net.Conn // the TCP connection under any TLS, to interrupt I/O
}

// dial opens a session as cfg says. go-mail's own dialer would only honour
// ctx while connecting; dialing here keeps the TCP connection, so that
// cancelling ctx also interrupts the greeting, STARTTLS and AUTH.
func (s *Sender) dial(ctx context.Context) (*conn, error) {
	c := &conn{}
	var stop func() bool
	dialer := func(dctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		raw, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		c.raw = raw
		// ctx, not dctx: go-mail cancels dctx as soon as it returns.
		stop = context.AfterFunc(ctx, func() { raw.SetDeadline(longAgo) })
		if s.cfg.TLS != TLSImplicit {
			return raw, nil
		}
		tc := tls.Client(raw, s.tlsConfig)
		if err := tc.HandshakeContext(dctx); err != nil {
			return nil, err
		}
		return tc, nil
	}
	opts := append(s.clientOpts[:len(s.clientOpts):len(s.clientOpts)], gomail.WithDialContextFunc(dialer))
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err == nil {
		c.smtp, err = client.DialToSMTPClientWithContext(ctx)
	}
	if stop != nil && !stop() && err == nil {
		err = context.Cause(ctx)
	}
	if err != nil {
		if c.raw != nil {
			c.raw.Close()
		}
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, fmt.Errorf("smtp: connect to %s: %w", s.addr(), err)
	}
	return c, nil
}

// clientOptions are the go-mail settings every connection shares.
func clientOptions(cfg Config, tlsConfig *tls.Config) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.Timeout),
		gomail.WithTLSConfig(tlsConfig),
	}
	switch cfg.TLS {
	case TLSImplicit:
		// The dialer does the handshake; WithSSL only stops go-mail
		// from also trying STARTTLS inside the TLS session.
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSMandatory:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if cfg.Helo != "" {
		opts = append(opts, gomail.WithHELO(cfg.Helo))
	}
	if cfg.Username != "" {
		// The strongest mechanism the server offers from this list.
		// go-mail refuses PLAIN and LOGIN on an unencrypted connection
		// except to localhost, so a password never crosses the network
		// in clear text.
		opts = append(opts,
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password),
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
	}
	return opts
}

// send runs one mail transaction. ok reports whether the connection is fit
// for the next message.
func (c *conn) send(ctx context.Context, timeout, dataTimeout time.Duration, from, to string, msg []byte) (ok bool, err error) {
	// The deadline is set before the cancellation hook, which must win.
	if err := c.raw.SetDeadline(time.Now().Add(timeout)); err != nil {
		return false, err
	}
	stop := context.AfterFunc(ctx, func() { c.raw.SetDeadline(longAgo) })
	defer func() {
		var unknown *UnknownError
		if !stop() && !errors.As(err, &unknown) {
			ok, err = false, context.Cause(ctx)
		}
	}()

	if mailaddr.NeedsUTF8(from) || mailaddr.NeedsUTF8(to) {
		if ok, _ := c.smtp.Extension("SMTPUTF8"); !ok {
			return true, &UTF8Error{From: from, To: to}
		}
	}
	if err := c.smtp.Mail(from); err != nil {
		if brokenConn(err) && ctx.Err() == nil {
			return false, &staleError{fmt.Errorf("smtp: MAIL FROM: %w", err)}
		}
		return c.abort("MAIL FROM", err)
	}
	if err := c.smtp.Rcpt(to); err != nil {
		return c.abort("RCPT TO", err)
	}
	w, err := c.smtp.Data()
	if err != nil {
		return c.abort("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		// A half-sent body cannot be taken back on this connection.
		return false, fmt.Errorf("smtp: DATA: %w", err)
	}
	// The whole message is with the server; the final dot and its answer
	// remain. From here a lost connection leaves it unknown whether the
	// server took the message, so wait for the answer as long as it may
	// take (RFC 5321 §4.5.3.2.6) rather than retry and send it twice.
	if err := c.raw.SetDeadline(time.Now().Add(dataTimeout)); err != nil {
		return false, &UnknownError{Err: err}
	}
	if err := w.Close(); err != nil {
		if brokenConn(err) {
			// Cancelled too: the message is as unknown as when the
			// server hangs up.
			if ctx.Err() != nil {
				err = context.Cause(ctx)
			}
			return false, &UnknownError{Err: err}
		}
		// The transaction is over either way; no RSET needed.
		return !brokenConn(err) && !closesConn(err), reply("DATA", err)
	}
	return true, nil
}

// staleError is a connection that broke before the server saw anything of
// the message: typically one the server closed while it sat in the pool.
type staleError struct{ err error }

func (e *staleError) Error() string { return e.err.Error() }
func (e *staleError) Unwrap() error { return e.err }

// abort ends a transaction the server refused, with RSET so the next
// message can use the same connection.
func (c *conn) abort(command string, err error) (bool, error) {
	if brokenConn(err) || closesConn(err) {
		return false, fmt.Errorf("smtp: %s: %w", command, err)
	}
	ok := c.smtp.Reset() == nil
	return ok, reply(command, err)
}

// close says goodbye when the server still listens, then drops the
// connection. Errors do not matter any more.
func (c *conn) close() {
	c.raw.SetDeadline(time.Now().Add(5 * time.Second))
	c.smtp.Quit()
	c.raw.Close()
}

// envelope returns the SMTP forms ("<a@b>", quoted where needed) of the
// envelope addresses, which may carry display names.
func envelope(from, to string) (string, string, error) {
	f, err := mail.ParseAddress(from)
	if err != nil {
		return "", "", fmt.Errorf("smtp: envelope sender %q: %w", from, err)
	}
	t, err := mail.ParseAddress(to)
	if err != nil {
		return "", "", fmt.Errorf("smtp: envelope recipient %q: %w", to, err)
	}
	// Internationalized domains go out as IDNA ASCII, which any server
	// takes; only a non-ASCII local part needs SMTPUTF8 (see send).
	if f.Address, err = mailaddr.ASCIIDomain(f.Address); err != nil {
		return "", "", fmt.Errorf("smtp: envelope sender: %w", err)
	}
	if t.Address, err = mailaddr.ASCIIDomain(t.Address); err != nil {
		return "", "", fmt.Errorf("smtp: envelope recipient: %w", err)
	}
	return (&mail.Address{Address: f.Address}).String(), (&mail.Address{Address: t.Address}).String(), nil
}

func (s *Sender) addr() string {
	return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
}
