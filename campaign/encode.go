package campaign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/offermail/offermail/decide"
	"github.com/offermail/offermail/render"
)

// Format is how a rendered message is written out.
type Format string

// The formats of SPEC §7: render writes any of them, batch all but text.
const (
	HTML Format = "html" // the final HTML body
	Text Format = "text" // the plain-text alternative
	EML  Format = "eml"  // the MIME message
	JSON Format = "json" // Rendered: subject, preheader, html, text, propositions
)

// Encode writes msg, decided by d, in format f: the one encoder of every
// command that writes a message (render, batch, snapshot, the preview and
// the decisioning service), so that they write the same bytes. date is the
// eml's Date header: the decision time, so that a message written again
// (a rerun, a snapshot) has the same bytes. An error in eml is a message
// that cannot be written as MIME (see render.Message.WriteMIME).
func Encode(w io.Writer, f Format, msg *render.Message, d *decide.Decision, date time.Time) error {
	switch f {
	case HTML:
		_, err := io.WriteString(w, msg.HTML)
		return err
	case Text:
		_, err := io.WriteString(w, msg.Text)
		return err
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(NewRendered(msg, d))
	case EML:
		if b, ok := w.(*bytes.Buffer); ok {
			// Straight into the buffer's spare room (a batch reuses it).
			out, err := msg.AppendMIME(b.AvailableBuffer(), "", date)
			if err != nil {
				return err
			}
			_, err = b.Write(out)
			return err
		}
		return msg.WriteMIME(w, "", date)
	}
	return fmt.Errorf("unknown message format %q", f)
}

// AppendOutput appends the message that out holds (rendered by
// Project.RenderTo), decided by d, in format f to dst, as Encode writes
// the Message that out.Message() would return; on an error it returns dst
// as it was. In html and eml it copies nothing but the bytes written,
// which a batch does for every recipient.
func AppendOutput(dst []byte, f Format, out *render.Output, d *decide.Decision, date time.Time) ([]byte, error) {
	switch f {
	case HTML:
		return append(dst, out.HTML...), nil
	case Text:
		return append(dst, out.Text...), nil
	case EML:
		return out.AppendMIME(dst, date)
	}
	b := bytes.NewBuffer(dst)
	if err := Encode(b, f, out.Message(), d, date); err != nil {
		return dst, err
	}
	return b.Bytes(), nil
}

// Rendered is a rendered message as JSON (`mailpreview render --format
// json` and batch's json format): SPEC §7's subject, preheader, html, text
// and propositions, and the profile fields the template missed.
type Rendered struct {
	Subject      string               `json:"subject"`
	Preheader    string               `json:"preheader"`
	HTML         string               `json:"html"`
	Text         string               `json:"text"`
	Propositions []decide.Proposition `json:"propositions"`
	Missing      []render.Missing     `json:"missing,omitempty"`
}

// NewRendered is the JSON form of msg, decided by d.
func NewRendered(msg *render.Message, d *decide.Decision) Rendered {
	return Rendered{Subject: msg.Subject, Preheader: msg.Preheader, HTML: msg.HTML, Text: msg.Text,
		Propositions: d.Propositions, Missing: msg.Missing}
}
