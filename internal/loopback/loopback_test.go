package loopback

import "testing"

func TestHost(t *testing.T) {
	for _, tt := range []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LOCALHOST:8026", true},
		{"127.0.0.1:8026", true},
		{"127.9.9.9", true},
		{"[::1]:8026", true},
		{"::1", true},
		{"localhost.evil.example", false},
		{"10.0.0.1:8026", false},
		{"offers.example.com", false},
		{"", false},
	} {
		if got := Host(tt.host); got != tt.want {
			t.Errorf("Host(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}
