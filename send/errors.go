package send

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"regexp"
	"syscall"

	"github.com/offermail/offermail/internal/mailaddr"
)

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("smtp: sender closed")

// RejectError is a permanent (5xx) answer of the server to one message.
// Retrying cannot help; callers record it in rejects.ndjson. A 5xx answer
// while connecting or authenticating is not a RejectError: it concerns the
// configuration, not the message, and fails the run.
type RejectError struct {
	Command  string // the command answered: "MAIL FROM", "RCPT TO" or "DATA"
	Code     int    // the reply code, 500 to 599
	Enhanced string // the RFC 3463 status code, such as "5.1.1", if the server sent one
	Message  string // the server's text, without codes
}

func (e *RejectError) Error() string {
	code := fmt.Sprint(e.Code)
	if e.Enhanced != "" {
		code += " " + e.Enhanced
	}
	return fmt.Sprintf("smtp: %s rejected: %s %s", e.Command, code, e.Message)
}

// UTF8Error: an envelope address has a local part that is not ASCII,
// which needs SMTPUTF8 (RFC 6531), and the server does not offer it. No
// retry can help; like a RejectError, it concerns this message only.
type UTF8Error struct {
	From, To string // the envelope, as it would have been sent
}

func (e *UTF8Error) Error() string {
	who, addr := "recipient", e.To
	if !mailaddr.NeedsUTF8(e.To) {
		who, addr = "sender", e.From
	}
	return fmt.Sprintf("smtp: not sent: the %s address %s has a local part that is not ASCII, which needs SMTPUTF8, and the server does not offer it", who, addr)
}

// UnknownError: the whole message was sent, but the connection ended (or
// Config.DataTimeout passed) before the server answered its end. The
// server may have accepted it — sending it again could deliver it twice —
// or not; callers record it as unknown rather than retry.
type UnknownError struct {
	Err error
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("smtp: the connection was lost after the message was sent, before the server answered (it may or may not have been delivered): %v", e.Err)
}

func (e *UnknownError) Unwrap() error { return e.Err }

// RetryError is returned when every attempt failed with a transient error
// (a 4xx answer or a broken connection). Err is the last of them.
type RetryError struct {
	Attempts int
	Err      error
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("smtp: gave up after %d attempts: %v", e.Attempts, e.Err)
}

func (e *RetryError) Unwrap() error { return e.Err }

// enhancedCode matches the RFC 3463 status code servers with
// ENHANCEDSTATUSCODES put in front of their text.
var enhancedCode = regexp.MustCompile(`^([245]\.\d{1,3}\.\d{1,3}) `)

// reply turns the server's answer to command into a RejectError when it is
// permanent; a transient answer is returned wrapped with the command.
func reply(command string, err error) error {
	var tp *textproto.Error
	if !errors.As(err, &tp) || tp.Code < 500 || tp.Code > 599 {
		return fmt.Errorf("smtp: %s: %w", command, err)
	}
	r := &RejectError{Command: command, Code: tp.Code, Message: tp.Msg}
	if m := enhancedCode.FindStringSubmatch(tp.Msg); m != nil {
		r.Enhanced, r.Message = m[1], tp.Msg[len(m[0]):]
	}
	return r
}

// transient reports whether another attempt may succeed: the server said
// "try again later" (4xx) or the connection failed. Anything else — a
// rejection, a refused login, a certificate that does not verify, a server
// without STARTTLS when it is mandatory — fails the same way every time.
func transient(err error) bool {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code >= 400 && tp.Code < 500
	}
	return brokenConn(err)
}

// brokenConn reports whether err comes from the network rather than from
// the server's answer, so the connection cannot be used again.
func brokenConn(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNREFUSED)
}

// closesConn reports whether the server's answer ends the session: 421
// means the server is closing the connection.
func closesConn(err error) bool {
	var tp *textproto.Error
	return errors.As(err, &tp) && tp.Code == 421
}
