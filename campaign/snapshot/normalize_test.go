package snapshot

import (
	"strings"
	"testing"
)

func TestNormalizeEML(t *testing.T) {
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	tests := []struct {
		name, in, want string
	}{
		{
			name: "date, message-id, folded boundary",
			in: crlf(`From: "Northwind" <news@northwind.example>
Date: Wed, 02 Dec 2026 09:00:00 +0000
Message-ID: <0f77227b0a98f5aa@northwind.example>
Content-Type: multipart/alternative;
 boundary=offermail-a3c5

--offermail-a3c5
Content-Type: text/plain; charset=UTF-8

Date: in the body is text, not a header
--offermail-a3c5--
`),
			want: `From: "Northwind" <news@northwind.example>
Date: <normalized>
Message-ID: <normalized@northwind.example>
Content-Type: multipart/alternative;
 boundary=BOUNDARY-1

--BOUNDARY-1
Content-Type: text/plain; charset=UTF-8

Date: in the body is text, not a header
--BOUNDARY-1--
`,
		},
		{
			name: "nested quoted boundaries numbered in order, one containing another",
			in: `Date: Tue, 01 Dec 2026 10:00:00 -0500
Message-Id:
 <abc@mail.example>
Content-Type: multipart/mixed; boundary="zz"

--zz
Content-Type: multipart/alternative; BOUNDARY="zzz"

--zzz
--zzz--
--zz--
`,
			want: `Date: <normalized>
Message-Id: <normalized@mail.example>
Content-Type: multipart/mixed; boundary="BOUNDARY-1"

--BOUNDARY-1
Content-Type: multipart/alternative; BOUNDARY="BOUNDARY-2"

--BOUNDARY-2
--BOUNDARY-2--
--BOUNDARY-1--
`,
		},
		{
			name: "message-id without a domain",
			in:   "Message-ID: <local>\n\nbody\n",
			want: "Message-ID: <normalized>\n\nbody\n",
		},
	}
	for _, tt := range tests {
		if got := string(NormalizeEML([]byte(tt.in))); got != tt.want {
			t.Errorf("%s: NormalizeEML =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}
