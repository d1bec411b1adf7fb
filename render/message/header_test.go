package message

import (
	"errors"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

// checkPlainHTTP checks that plainHTTP(u) holds only where url.Parse reads
// u as an http or https URL with a host, so that checkUnsubscribe's
// shortcut accepts nothing the parse would refuse. u is as checkUnsubscribe
// gets it past its byte checks: printable ASCII without spaces or <>.
func checkPlainHTTP(t *testing.T, u string) {
	t.Helper()
	if !plainHTTP(u) {
		return
	}
	p, err := url.Parse(u)
	if err != nil {
		t.Fatalf("plainHTTP(%q) = true, but url.Parse fails: %v", u, err)
	}
	if s := strings.ToLower(p.Scheme); s != "http" && s != "https" || p.Host == "" {
		t.Fatalf("plainHTTP(%q) = true, but url.Parse reads scheme %q, host %q", u, p.Scheme, p.Host)
	}
}

func TestPlainHTTP(t *testing.T) {
	for _, tt := range []struct {
		u    string
		want bool
	}{
		{"https://northwind.example/unsubscribe?u=u-1001&c=winter-2026", true},
		{"HTTP://X.example", true},
		{"http://x.example?u=%zz#", false},  // "#": a fragment is checked
		{"https://x.example/a%2Fb", false},  // "%" in the path: url.Parse checks it
		{"https://x.example/u?a=%zz", true}, // the query is not checked
		{"https://x.example:8080/u", false},
		{"https://user@x.example/u", false},
		{"https://[::1]/u", false},
		{"https:///u", false},
		{"https:x.example", false},
		{"https://x_y.example/", false},
		{"ftp://x.example/", false},
		{"mailto:u@x.example", false},
		{"https://", false},
	} {
		if got := plainHTTP(tt.u); got != tt.want {
			t.Errorf("plainHTTP(%q) = %v, want %v", tt.u, got, tt.want)
		}
		checkPlainHTTP(t, tt.u)
	}
	// Random URLs from the bytes that decide the shape.
	const alphabet = "hHtTpPsS:/?#%@[]._-~!$&'()*+,;=aZ09fF"
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		b := []byte(pick(r, "http://", "https://", "HtTpS://", "http:/", ""))
		for range r.IntN(16) {
			b = append(b, alphabet[r.IntN(len(alphabet))])
		}
		checkPlainHTTP(t, string(b))
	}
}

func pick(r *rand.Rand, s ...string) string { return s[r.IntN(len(s))] }

// FuzzPlainHTTP checks checkUnsubscribe's shortcut against url.Parse.
//
//	go test ./render/message -run '^$' -fuzz FuzzPlainHTTP
func FuzzPlainHTTP(f *testing.F) {
	for _, s := range []string{"https://x.example/u?id=1", "http://x.example", "https://x.example:1/", "https://x.example/%41#f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		if strings.ContainsAny(u, "<> \t") || needsEncoding(u) {
			return // refused before the shortcut
		}
		checkPlainHTTP(t, u)
	})
}

// TestCheckHeaderNameReserved checks the reserved names in any case, the
// Content- prefix, and names that only look like them.
func TestCheckHeaderNameReserved(t *testing.T) {
	for name := range reserved {
		for _, n := range []string{name, strings.ToUpper(name), strings.ToUpper(name[:1]) + name[1:]} {
			if err := CheckHeaderName(n); !errors.Is(err, ErrReservedHeader) {
				t.Errorf("CheckHeaderName(%q) = %v, want ErrReservedHeader", n, err)
			}
		}
	}
	for _, n := range []string{"Content-Type", "content-x", "CONTENT-", "CoNtEnT-Language"} {
		if err := CheckHeaderName(n); !errors.Is(err, ErrReservedHeader) {
			t.Errorf("CheckHeaderName(%q) = %v, want ErrReservedHeader", n, err)
		}
	}
	for _, n := range []string{"X-Campaign-Type", "Content", "Fromm", "List-Unsubscribe-Posts", "X-" + strings.Repeat("a", 40), "Tos"} {
		if err := CheckHeaderName(n); err != nil {
			t.Errorf("CheckHeaderName(%q) = %v, want nil", n, err)
		}
	}
}

func TestIsDotAtom(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"a", true},
		{"news.northwind.example", true},
		{"0f3a9c", true},
		{"!#$%&'*+-/=?^_`{|}~", true},
		{"", false},
		{".a", false},
		{"a.", false},
		{"a..b", false},
		{"a b", false},
		{"a@b", false},
		{"a,b", false},
		{"(a)", false},
		{"[a]", false},
		{`a"b`, false},
		{"a\\b", false},
		{"a\x00b", false},
		{"a\x7f", false},
		{"caf\u00e9", false},
	} {
		if got := isDotAtom(tt.s); got != tt.want {
			t.Errorf("isDotAtom(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// TestURLSafe holds urlSafe, one pass, to the two checks it replaced,
// for every byte in a URL.
func TestURLSafe(t *testing.T) {
	for c := range 256 {
		u := "https://x.example/?a=" + string([]byte{byte(c)}) + "&b"
		want := !strings.ContainsAny(u, "<> \t") && !needsEncoding(u)
		if got := urlSafe(u); got != want {
			t.Errorf("urlSafe(%q) = %v, want %v", u, got, want)
		}
	}
}
