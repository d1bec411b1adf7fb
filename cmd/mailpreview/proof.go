package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	"github.com/offermail/offermail/render"
	"github.com/offermail/offermail/send"
)

// ProofHeader marks a message sent as a proof (render --smtp --to): a test
// send to a designer's or QA's own address, decided and rendered as a dry
// run, so that nothing was counted and no recipient was involved.
const ProofHeader = "X-Offermail-Proof"

// proofTimeout bounds a proof's delivery: one message to one server.
const proofTimeout = 2 * time.Minute

// proofFlags are render's flags for sending a proof.
type proofFlags struct {
	smtp, to string
}

// check validates the flags before anything is loaded. A proof is a MIME
// message, so --format must be left out or eml.
func (f proofFlags) check(format string, formatSet bool) error {
	switch {
	case f.smtp == "" && f.to == "":
		return nil
	case f.smtp == "":
		return usage("--to names where a proof goes; it needs --smtp URL")
	case f.to == "":
		return usage("--smtp sends a proof; it needs --to ADDRESS (a test address, never the profile's)")
	case formatSet && format != "eml":
		return usage("--format %s cannot be sent: a proof is the MIME message (leave --format out)", format)
	}
	a, err := mail.ParseAddress(f.to)
	if err != nil || a.Name != "" || strings.ContainsAny(f.to, "<>") {
		return usage("--to %q must be one bare address such as qa@example.com", f.to)
	}
	if _, err := send.ParseURL(f.smtp); err != nil {
		return usage("--smtp: %v", err)
	}
	return nil
}

// send sends msg to the proof address: the To header is that address, a
// ProofHeader says it is a proof and for which recipient, and the decision
// was a dry run. It prints where the proof went.
func (f proofFlags) send(ctx context.Context, out io.Writer, msg *render.Message, profile string, date time.Time) error {
	cfg, err := send.ParseURL(f.smtp)
	if err != nil {
		return usage("--smtp: %v", err)
	}
	proof := *msg
	proof.To = f.to
	proof.Headers = append(append([][2]string(nil), msg.Headers...), [2]string{ProofHeader, "yes; a dry run, nothing counted"})
	var data bytes.Buffer
	if err := proof.WriteMIME(&data, "", date); err != nil {
		return invalid(err)
	}
	sender, err := send.New(cfg)
	if err != nil {
		return usage("--smtp: %v", err)
	}
	defer sender.Close()
	from := proof.From
	if from == "" {
		from = render.DefaultFrom
	}
	ctx, cancel := context.WithTimeout(ctx, proofTimeout)
	defer cancel()
	if err := sender.Send(ctx, from, f.to, data.Bytes()); err != nil {
		var rej *send.RejectError
		if errors.As(err, &rej) {
			return failed(fmt.Errorf("the server refused the proof: %w", err))
		}
		return failed(fmt.Errorf("send the proof: %w", err))
	}
	fmt.Fprintf(out, "proof of %s sent to %s via %s (%d bytes); nothing counted\n", profile, f.to, smtpHost(f.smtp), data.Len())
	return nil
}
