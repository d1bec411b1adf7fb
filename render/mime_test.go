package render

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMessageFields(t *testing.T) {
	src := "---\nsubject: 'Hi {{profile.firstName}}'\npreheader: Fresh snow\nfrom: Northwind <news@northwind.example>\nreplyTo: help@northwind.example\n" +
		"unsubscribe: 'mailto:leave@northwind.example?subject={{urlencode recipient.id}}'\nheaders:\n  X-Zeta: last\n  X-Alpha: first\n---\n<p>Hello</p>"
	tmpl, err := loadOne(t, "main.hbs", map[string]string{"main.hbs": src})
	if err != nil {
		t.Fatal(err)
	}
	in := &Input{Recipient: Recipient{ID: "u 1", Email: "maya@example.com", Profile: map[string]any{"firstName": "Maya"}}, Campaign: Campaign{ID: "c-1"}}
	m, err := tmpl.Execute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{m.Subject, m.Preheader, m.From, m.ReplyTo, m.To, m.Unsubscribe}
	want := []string{"Hi Maya", "Fresh snow", "Northwind <news@northwind.example>", "help@northwind.example", "maya@example.com", "mailto:leave@northwind.example?subject=u%201"}
	if !slices.Equal(got, want) {
		t.Errorf("Execute fields = %q, want %q", got, want)
	}
	if want := [][2]string{{"X-Zeta", "last"}, {"X-Alpha", "first"}}; !slices.Equal(m.Headers, want) {
		t.Errorf("Headers = %q, want %q (front-matter order)", m.Headers, want)
	}
	if !strings.Contains(m.HTML, "Hello") {
		t.Errorf("HTML = %q, want the body in it", m.HTML)
	}

	date := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var a, b bytes.Buffer
	if err := m.WriteMIME(&a, "", date); err != nil {
		t.Fatalf("WriteMIME: %v", err)
	}
	if err := m.WriteMIME(&b, "", date); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("WriteMIME twice gave different bytes: the derived Message-ID must be stable")
	}
	head := strings.ToLower(a.String())
	for _, h := range []string{"subject: hi maya", "x-zeta: last", "x-alpha: first", "@northwind.example>", "list-unsubscribe:"} {
		if !strings.Contains(head, h) {
			t.Errorf("WriteMIME output lacks %q:\n%s", h, a.String())
		}
	}

	m.From = ""
	if err := m.WriteMIME(&a, "<x@y>", date); err == nil || !strings.Contains(err.Error(), "add from: to the template's front matter") {
		t.Errorf("WriteMIME without a sender = %v, want an error saying what to do", err)
	}
}
