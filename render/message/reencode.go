package message

import "strings"

// reencodings undo what re-serialization does to characters a reader of
// the source cannot see: html.Render writes &nbsp; or &zwnj; as raw UTF-8,
// which is easy to break in later editing and looks like plain spaces in a
// diff. It also writes quotes as &#39; and &#34;; they become the spelling
// handlebars.js uses, so escaped template output looks the same before and
// after inlining.
var reencodings = []string{
	"\u00a0", "&nbsp;",
	"\u00ad", "&shy;",
	"\u034f", "&#847;",
	"\u200b", "&#8203;",
	"\u200c", "&zwnj;",
	"\u200d", "&zwj;",
	"\u2007", "&#8199;",
	"\u2060", "&#8288;",
	"\ufeff", "&#65279;",
	"&#39;", "&#x27;",
	"&#34;", "&quot;",
}

// reencode applies reencodings; it is the reference for reencodeFast.
var reencode = strings.NewReplacer(reencodings...)

// dropIgnoreMarks returns strings.ReplaceAll(s, " "+ignoreAttr+`="ignore"`,
// ""), faster: that searches for a space, of which a message has
// thousands, this for the "d" the rest of the mark starts with, which
// appears nowhere else in the mark, so that marks cannot overlap.
func dropIgnoreMarks(s string) string {
	const mark = ignoreAttr + `="ignore"`
	var b strings.Builder
	written := 0
	for from := 0; ; {
		i := strings.Index(s[from:], mark)
		if i < 0 {
			break
		}
		at := from + i
		from = at + len(mark)
		if at == 0 || s[at-1] != ' ' {
			continue
		}
		if written == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[written : at-1])
		written = from
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

// reencodeLeads are the distinct first bytes of the strings reencodings
// replace, and reencodeByLead the pairs of reencodings (by the index of
// the string replaced) that start with each.
var reencodeLeads, reencodeByLead = func() (string, [256][]int) {
	var leads []byte
	var byLead [256][]int
	for i := 0; i < len(reencodings); i += 2 {
		c := reencodings[i][0]
		if byLead[c] == nil {
			leads = append(leads, c)
		}
		byLead[c] = append(byLead[c], i)
	}
	return string(leads), byLead
}()

// reencodeFast returns what reencode.Replace(s) returns. A generic
// strings.Replacer tries its table at every byte of a 20 KB message; the
// strings it replaces start with one of five bytes, which IndexByte finds
// many bytes at a time. The preheader's filler is a run of them, taken in
// one go.
func reencodeFast(s string) string {
	var next [8]int // the next offset of each lead byte at or after pos, -1 when none is left
	for k := range len(reencodeLeads) {
		next[k] = strings.IndexByte(s, reencodeLeads[k])
	}
	var b strings.Builder
	written := 0
	for {
		pos := -1
		for k := range len(reencodeLeads) {
			if next[k] >= 0 && (pos < 0 || next[k] < pos) {
				pos = next[k]
			}
		}
		if pos < 0 {
			break
		}
		for pos < len(s) && reencodeByLead[s[pos]] != nil {
			old, repl := reencodingAt(s[pos:])
			if old == 0 {
				pos++
				continue
			}
			if written == 0 {
				b.Grow(len(s) + len(s)/8)
			}
			b.WriteString(s[written:pos])
			b.WriteString(repl)
			pos += old
			written = pos
		}
		for k := range len(reencodeLeads) {
			if next[k] >= 0 && next[k] < pos {
				if i := strings.IndexByte(s[pos:], reencodeLeads[k]); i >= 0 {
					next[k] = pos + i
				} else {
					next[k] = -1
				}
			}
		}
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

// reencodingAt returns the length of the string reencodings replace at the
// start of s, and its replacement; 0 when there is none.
func reencodingAt(s string) (int, string) {
	for _, i := range reencodeByLead[s[0]] {
		if strings.HasPrefix(s, reencodings[i]) {
			return len(reencodings[i]), reencodings[i+1]
		}
	}
	return 0, ""
}
