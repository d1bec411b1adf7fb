package snapshot

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"slices"
	"strings"
	"unicode/utf8"
)

// QA reads a change to an .eml snapshot in what the recipient sees, not in
// its transfer encoding: the diff of an .eml compares a decoded view of
// both messages — the header fields (encoded words decoded, folded lines
// joined), then every part's own header and its decoded text — so that a
// changed word is one changed line, not `class=3D"hero"` and soft line
// breaks. The golden files themselves stay the exact bytes.

// maxDepth bounds the nesting of multiparts a decoded view follows.
const maxDepth = 8

// DecodeEML returns the decoded view of a MIME message, or false when it
// is not one that this reader can follow (then its diff is of its bytes).
func DecodeEML(eml []byte) (string, bool) {
	var b strings.Builder
	if err := decodeEntity(&b, bufio.NewReader(bytes.NewReader(eml)), "", 0); err != nil {
		return "", false
	}
	return b.String(), true
}

// decodeEntity writes one entity — the message or a part — named by
// number ("" for the message, "1", "1.2" for parts).
func decodeEntity(b *strings.Builder, r *bufio.Reader, number string, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("MIME parts nested deeper than %d", maxDepth)
	}
	fields, err := readHeader(r)
	if err != nil {
		return err
	}
	ctype, cte := "text/plain", ""
	for _, f := range fields {
		switch strings.ToLower(f[0]) {
		case "content-type":
			ctype = f[1]
		case "content-transfer-encoding":
			cte = strings.ToLower(strings.TrimSpace(f[1]))
		}
	}
	media, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return err
	}
	if number == "" {
		for _, f := range fields {
			fmt.Fprintf(b, "%s: %s\n", f[0], f[1])
		}
	} else {
		fmt.Fprintf(b, "\n=== part %s: %s", number, media)
		if cs := params["charset"]; cs != "" {
			fmt.Fprintf(b, "; charset=%s", cs)
		}
		if cte != "" {
			fmt.Fprintf(b, " (%s)", cte)
		}
		b.WriteString(" ===\n")
		for _, f := range fields {
			switch strings.ToLower(f[0]) {
			case "content-type", "content-transfer-encoding":
			default:
				fmt.Fprintf(b, "%s: %s\n", f[0], f[1])
			}
		}
	}
	if strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		for i := 1; ; i++ {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			// The part's header is read again below with its order kept.
			var raw bytes.Buffer
			for _, f := range orderedHeader(p) {
				fmt.Fprintf(&raw, "%s: %s\r\n", f[0], f[1])
			}
			raw.WriteString("\r\n")
			sub := io.MultiReader(&raw, p)
			name := fmt.Sprint(i)
			if number != "" {
				name = number + "." + name
			}
			if err := decodeEntity(b, bufio.NewReader(sub), name, depth+1); err != nil {
				return err
			}
		}
	}
	var body io.Reader = r
	switch cte {
	case "quoted-printable":
		body = quotedprintable.NewReader(r)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &newlineStripper{r: r})
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	if !utf8.ValidString(text) {
		text = fmt.Sprintf("(%d bytes of binary data)", len(data))
	}
	if number != "" {
		b.WriteString("\n")
	} else if text != "" {
		b.WriteString("\n")
	}
	b.WriteString(text)
	if !strings.HasSuffix(text, "\n") {
		b.WriteString("\n")
	}
	return nil
}

// readHeader reads a header block in order: fields with folded lines
// joined and encoded words decoded.
func readHeader(r *bufio.Reader) ([][2]string, error) {
	var fields [][2]string
	for {
		line, err := r.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break // the end of the header, or a message without a body
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(fields) == 0 {
				return nil, fmt.Errorf("a header starts with a folded line: %q", line)
			}
			fields[len(fields)-1][1] += " " + strings.TrimSpace(line)
		} else {
			name, value, ok := strings.Cut(line, ":")
			if !ok {
				return nil, fmt.Errorf("not a header line: %q", line)
			}
			fields = append(fields, [2]string{name, strings.TrimSpace(value)})
		}
		if err == io.EOF {
			break
		}
	}
	dec := &mime.WordDecoder{}
	for i := range fields {
		if v, err := dec.DecodeHeader(fields[i][1]); err == nil {
			fields[i][1] = v
		}
	}
	return fields, nil
}

// orderedHeader returns a part's header fields as multipart read them,
// sorted by name (textproto keeps no order) — parts written by offermail
// have two or three fields, so their order carries no meaning.
func orderedHeader(p *multipart.Part) [][2]string {
	var out [][2]string
	for _, name := range slices.Sorted(maps.Keys(p.Header)) {
		for _, v := range p.Header[name] {
			out = append(out, [2]string{name, v})
		}
	}
	return out
}

// newlineStripper drops line breaks from base64 text.
type newlineStripper struct{ r io.Reader }

func (s *newlineStripper) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}
