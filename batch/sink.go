package batch

import (
	"context"
	"errors"
	"fmt"

	"github.com/offermail/offermail/campaign"
	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/recipients"
	"github.com/offermail/offermail/send"
)

// Message is one recipient's encoded message on its way to a sink.
type Message struct {
	Recipient *recipients.Record
	Format    campaign.Format
	// From and To are the envelope: the template's sender (or
	// render.DefaultFrom) and the recipient's address.
	From, To string
	// Data is the message in Format. It is only valid during Deliver: the
	// worker reuses the buffer for its next message.
	Data []byte
	// Decision is what the message shows (with its trace when the run's
	// Step asks for one), for sinks that tally decisions (a simulation).
	Decision *decide.Decision
}

// Sink delivers messages: writes them to files, sends them over SMTP,
// packs them into part files. Deliver is called from many workers at once.
//
// Deliver returns once the message is handed over; the runner journals the
// recipient as done after that (and after Sync, below). An error that
// wraps ErrRefused rejects this recipient (stage "send") and the run goes
// on; any other error stops the run, which a later attempt completes. ctx
// ends Runner.Grace after the run is stopped: a delivery in progress may
// finish, and a sink that gives up returns ctx's error.
//
// A sink that buffers or writes files also implements Syncer; one that
// holds resources is closed by its owner, not by the runner.
type Sink interface {
	Deliver(ctx context.Context, m *Message) error
}

// Syncer is a Sink that makes what it was given durable in bulk: the
// runner calls Sync before each journal commit that follows a delivery, so
// the journal never says a recipient is done before its message is on
// disk. (The file sink syncs the file system once instead of each file; a
// sink writing part files syncs its parts and index.)
type Syncer interface {
	Sync() error
}

// SinkFunc is a Sink made of a function.
type SinkFunc func(ctx context.Context, m *Message) error

// Deliver calls f.
func (f SinkFunc) Deliver(ctx context.Context, m *Message) error { return f(ctx, m) }

// ErrUnknown marks a delivery whose fate is unknown: the message went
// out, the server's answer did not come. The recipient gets a reject of
// stage "unknown" and is not sent again unless Runner.ResendUnknown.
var ErrUnknown = errors.New("unknown delivery")

// ErrRefused marks a delivery refused for good (an SMTP 5xx): the
// recipient is rejected at stage "send".
var ErrRefused = errors.New("refused")

// Refused wraps err so that it is ErrRefused, keeping err's message.
func Refused(err error) error { return &kindError{ErrRefused, err} }

// SMTP is the sink that sends each message with s, as its MIME bytes are
// (the run's format must be eml). A permanent refusal (5xx) is a send
// reject; anything else, once s has retried, stops the run.
func SMTP(s *send.Sender) Sink { return smtpSink{s} }

type smtpSink struct{ s *send.Sender }

func (k smtpSink) Deliver(ctx context.Context, m *Message) error {
	err := k.s.Send(ctx, m.From, m.To, m.Data)
	var rej *send.RejectError
	var unknown *send.UnknownError
	var utf8 *send.UTF8Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &rej), errors.As(err, &utf8):
		return Refused(err)
	case errors.As(err, &unknown):
		return &kindError{ErrUnknown, err}
	case ctx.Err() != nil:
		return err
	}
	return fmt.Errorf("send to %s (recipient %s, line %d): %w", m.To, m.Recipient.ID, m.Recipient.Line, err)
}
