package render

import (
	"fmt"
	"io"
	"time"

	"github.com/offermail/offermail/render/message"
)

// DefaultFrom is the sender of a template without from: in its front
// matter. Its .invalid domain (RFC 2606) can never receive mail, so a
// message written to a file shows it plainly; sending over SMTP needs a
// real from:.
const DefaultFrom = "offermail <noreply@offermail.invalid>"

// WriteMIME writes the message as multipart/alternative MIME (see
// message.Message.WriteTo). An empty messageID is derived from IDKey, or
// else the campaign and recipient ids, on the sender's domain, so reruns
// give the same Message-ID. A message without a sender is written from
// DefaultFrom.
func (m *Message) WriteMIME(w io.Writer, messageID string, date time.Time) error {
	mm := m.mime(messageID, date)
	if _, err := mm.WriteTo(w); err != nil {
		return fmt.Errorf("write MIME: %w", err)
	}
	return nil
}

// AppendMIME appends the message as WriteMIME writes it to dst, and
// returns the extended slice (dst as it was on an error): with a buffer
// reused from message to message, it allocates nothing.
func (m *Message) AppendMIME(dst []byte, messageID string, date time.Time) ([]byte, error) {
	mm := m.mime(messageID, date)
	out, err := mm.AppendTo(dst)
	if err != nil {
		return dst, fmt.Errorf("write MIME: %w", err)
	}
	return out, nil
}

func (m *Message) mime(messageID string, date time.Time) message.Message {
	from := m.From
	if from == "" {
		from = DefaultFrom
	}
	if messageID == "" {
		key := m.IDKey
		if key == "" {
			key = m.campaignID + "/" + m.recipientID
		}
		messageID = message.MessageID(key, from)
	}
	return message.Message{
		From: from, ReplyTo: m.ReplyTo, To: m.To, Subject: m.Subject,
		Date: date, MessageID: messageID, Unsubscribe: m.Unsubscribe,
		Headers: m.Headers, HTML: m.HTML, Text: m.Text,
	}
}

// AppendMIME appends the rendered output as Message.AppendMIME writes the
// Message that o.Message would return, without copying o into one: a
// batch renders and encodes each recipient through the same reused
// buffers. The Message-ID is derived from the campaign and recipient ids.
func (o *Output) AppendMIME(dst []byte, date time.Time) ([]byte, error) {
	from := o.From
	if from == "" {
		from = DefaultFrom
	}
	// The views of o's buffers live only for this call, in which nothing
	// writes to them.
	o.messageID = message.AppendMessageID(o.messageID[:0], o.campaignID+"/"+o.recipientID, from)
	mm := message.Message{
		From: from, ReplyTo: o.ReplyTo, To: o.To, Subject: arenaString(o.Subject),
		Date: date, MessageID: arenaString(o.messageID), Unsubscribe: arenaString(o.Unsubscribe),
		Headers: o.Headers, HTML: arenaString(o.HTML), Text: arenaString(o.Text), Pieces: o.pieces,
	}
	out, err := mm.AppendTo(dst)
	if err != nil {
		return dst, fmt.Errorf("write MIME: %w", err)
	}
	return out, nil
}
