package send

import (
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		url  string
		want Config
	}{
		{"smtp://mail.example.com", Config{Host: "mail.example.com"}},
		{"SMTP://mail.example.com:2525/", Config{Host: "mail.example.com", Port: 2525}},
		{"smtp://user:p%40ss%3Aword@mail.example.com:587?tls=mandatory&conns=8&helo=worker1.example.com",
			Config{Host: "mail.example.com", Port: 587, Username: "user", Password: "p@ss:word",
				TLS: TLSMandatory, Conns: 8, Helo: "worker1.example.com"}},
		{"smtp://relay@[::1]:25?tls=none", Config{Host: "::1", Port: 25, Username: "relay", TLS: TLSNone}},
		{"smtp://h?tls=opportunistic", Config{Host: "h", TLS: TLSOpportunistic}},
		{"smtps://mail.example.com", Config{Host: "mail.example.com", TLS: TLSImplicit}},
	}
	for _, tt := range tests {
		got, err := ParseURL(tt.url)
		if err != nil || got != tt.want {
			t.Errorf("ParseURL(%q) = %+v, %v, want %+v", tt.url, got, err, tt.want)
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct{ url, want string }{
		{"http://mail.example.com", "want smtp or smtps"},
		{"mail.example.com:25", "want smtp or smtps"},
		{"smtp://", "no host"},
		{"smtp://h:0", "out of range"},
		{"smtp://h:70000", "out of range"},
		{"smtp://h/path", "nothing after the port"},
		{"smtp://h#frag", "nothing after the port"},
		{"smtp://h?tls=maybe", "want none, opportunistic or mandatory"},
		{"smtps://h?tls=none", "always TLS"},
		{"smtp://h?conns=0", "want 1 to 100"},
		{"smtp://h?helo=", "want a host name"},
		{"smtp://h?rate=5", `unknown option "rate"`},
		{"smtp://h?tls=none&tls=mandatory", "given 2 times"},
		{"smtp://user:secret@h:bad", "smtp URL"},
		{"smtp://user:secret@h/x", "nothing after the port"},
	}
	for _, tt := range tests {
		_, err := ParseURL(tt.url)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseURL(%q) error = %v, want one containing %q", tt.url, err, tt.want)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseURL(%q) error %q shows the password", tt.url, err)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	tests := []struct {
		in   Config
		want Config
	}{
		{Config{Host: "h"}, Config{Host: "h", Port: 25, Conns: 4, Burst: 1, Attempts: 5,
			Backoff: time.Second, MaxBackoff: time.Minute, Timeout: 30 * time.Second, DataTimeout: 10 * time.Minute}},
		{Config{Host: "h", TLS: TLSImplicit, Backoff: 2 * time.Minute}, Config{Host: "h", TLS: TLSImplicit, Port: 465,
			Conns: 4, Burst: 1, Attempts: 5, Backoff: 2 * time.Minute, MaxBackoff: 2 * time.Minute, Timeout: 30 * time.Second, DataTimeout: 10 * time.Minute}},
	}
	for _, tt := range tests {
		s, err := New(tt.in)
		if err != nil {
			t.Fatalf("New(%+v): %v", tt.in, err)
		}
		got := s.cfg
		got.Clock = nil
		if got != tt.want {
			t.Errorf("New(%+v) config = %+v, want %+v", tt.in, got, tt.want)
		}
		if s.tlsConfig.ServerName != "h" {
			t.Errorf("New(%+v) verifies the server as %q, want %q", tt.in, s.tlsConfig.ServerName, "h")
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "no host"},
		{Config{Host: "h", Port: 70000}, "out of range"},
		{Config{Host: "h", Rate: -1}, "rate"},
		{Config{Host: "h", Conns: -1}, "negative"},
		{Config{Host: "h", Timeout: -time.Second}, "negative duration"},
		{Config{Host: "h", Password: "pw"}, "password without user name"},
	}
	for _, tt := range tests {
		if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) error = %v, want one containing %q", tt.cfg, err, tt.want)
		}
	}
}
