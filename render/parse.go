package render

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/aymerick/raymond/ast"
	"github.com/aymerick/raymond/lexer"
	"github.com/aymerick/raymond/parser"

	"github.com/offermail/offermail/diag"
)

// parseSource parses Handlebars text with raymond's parser, reporting
// errors as a *diag.Error (Syntax) at the offending tag with a message that says what
// to do.
//
// The text is lexed on its own first, and its grammar checked on the
// tokens (see checkGrammar): lexical and grammar errors then come with a
// byte position, and raymond's parser, whose lexer goroutine leaks when it
// fails, only sees text it accepts (should it still fail, its error is
// reported at the line it names).
func parseSource(src *source) (*ast.Program, *diag.Error) {
	if len(src.text) > maxTemplateBytes {
		return nil, src.pos(maxTemplateBytes).errorc(diag.Limit, "the text is over %d bytes (%d); a template, partial or layout may be at most %d bytes",
			maxTemplateBytes, len(src.text), maxTemplateBytes)
	}
	toks := lexer.Collect(src.text)
	if last := toks[len(toks)-1]; last.Kind == lexer.TokenError {
		return nil, lexError(src, toks)
	}
	if err := checkGrammar(src, toks); err != nil {
		return nil, err
	}
	prog, err := safeParse(maskEmptyRawBlocks(src.text, toks))
	if err != nil {
		return nil, parseError(src, toks, err)
	}
	whitespaceControl(prog)
	return prog, nil
}

// emptyRaw is the name of the mustache that stands in for an empty raw
// block: a control character no template writes, compiled to nothing.
const emptyRaw = "\x01"

// maskEmptyRawBlocks replaces each empty {{{{raw}}}}{{{{/raw}}}}, which
// handlebars.js renders as nothing but raymond's parser refuses, with a
// mustache of the same length named emptyRaw, so positions stay put. Like
// the raw block it replaces, a mustache is never a standalone line.
func maskEmptyRawBlocks(text string, toks []lexer.Token) string {
	var b []byte
	for i := 0; i+4 < len(toks); i++ {
		t := toks
		if t[i].Kind != lexer.TokenOpenRawBlock || t[i+1].Kind != lexer.TokenID || t[i+1].Val != "raw" ||
			t[i+2].Kind != lexer.TokenCloseRawBlock || t[i+3].Kind != lexer.TokenOpenEndRawBlock {
			continue
		}
		end := i + 4
		for end < len(t) && t[end].Kind != lexer.TokenCloseRawBlock {
			end++
		}
		if end == len(t) {
			break
		}
		if b == nil {
			b = []byte(text)
		}
		from, to := t[i].Pos, t[end].Pos+len(t[end].Val)
		stand := "{{" + emptyRaw + strings.Repeat(" ", to-from-5) + "}}"
		copy(b[from:to], stand)
		i = end
	}
	if b == nil {
		return text
	}
	return string(b)
}

// safeParse guards against the parser's own runtime panics, which it
// re-raises instead of returning.
func safeParse(text string) (prog *ast.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			//lint:ignore ST1005 the same words as raymond's own parse errors, which callers read
			prog, err = nil, fmt.Errorf("Parse error on line 1:\ninternal parser error: %v", r)
		}
	}()
	return parser.Parse(text)
}

// lexError explains the error token that ends toks.
func lexError(src *source, toks []lexer.Token) *diag.Error {
	bad := toks[len(toks)-1]
	at := bad.Pos
	msg := bad.Val
	switch {
	case msg == "Unclosed expression":
		// Point at the tag that was opened, not at the end of the file.
		for i := len(toks) - 2; i >= 0; i-- {
			if isOpenToken(toks[i].Kind) {
				at = toks[i].Pos
				msg = fmt.Sprintf("%q is not closed: add \"}}\"", toks[i].Val)
				break
			}
		}
	case msg == "Unclosed comment":
		closer := "}}"
		if strings.HasPrefix(strings.TrimPrefix(src.text[at:], "{{~"), "!--") || strings.HasPrefix(src.text[at:], "{{!--") {
			closer = "--}}"
		}
		msg = fmt.Sprintf("comment is not closed: add %q", closer)
	case msg == "Unterminated string":
		if at > 0 && (src.text[at-1] == '"' || src.text[at-1] == '\'') {
			at--
		}
		msg = "string is not closed: add the closing quote (a string cannot span lines)"
	case msg == "Unclosed raw block":
		msg = "raw block is not closed: add {{{{/name}}}}"
	case msg == "Unterminated path literal":
		msg = "path literal is not closed: add \"]\""
	case strings.HasPrefix(msg, "Unexpected character in expression: "):
		before := strings.TrimSuffix(src.text[:at], "~")
		switch {
		case strings.HasSuffix(before, "{{#") && strings.HasPrefix(src.text[at:], ">"), strings.HasPrefix(src.text[at:], ">@partial-block"):
			msg = "partial blocks ({{#> name}}…{{/name}}) are not supported: include a partial with {{> name}}"
		case strings.HasSuffix(before, "{{#") && strings.HasPrefix(src.text[at:], "*"), strings.HasSuffix(before, "{{") && strings.HasPrefix(src.text[at:], "*"):
			msg = "inline partials and decorators ({{#*inline}}) are not supported: put the partial in partials/"
		default:
			msg = fmt.Sprintf("unexpected character %s inside {{ }}", strings.TrimPrefix(msg, "Unexpected character in expression: "))
		}
	default:
		msg = strings.ToLower(msg[:1]) + msg[1:]
	}
	return src.pos(at).errorc(diag.Syntax, "%s", msg)
}

func isOpenToken(k lexer.TokenKind) bool {
	switch k {
	case lexer.TokenOpen, lexer.TokenOpenUnescaped, lexer.TokenOpenBlock, lexer.TokenOpenEndBlock,
		lexer.TokenOpenInverse, lexer.TokenOpenInverseChain, lexer.TokenOpenPartial,
		lexer.TokenOpenRawBlock, lexer.TokenOpenEndRawBlock:
		return true
	}
	return false
}

var rParseError = regexp.MustCompile(`(?s)^Parse error on line (\d+):\n(.*)$`)

// parseError reports an error of raymond's parser, which checkGrammar
// should have caught first: at the start of the line it names.
func parseError(src *source, toks []lexer.Token, err error) *diag.Error {
	line, msg := 1, err.Error()
	if m := rParseError.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.ReplaceAll(m[2], "\n", ": ")
	}
	at := 0
	for _, t := range toks {
		if t.Line >= line {
			at = t.Pos
			break
		}
	}
	return src.pos(at).errorc(diag.Syntax, "syntax error: %s", msg)
}

func describeToken(t lexer.Token) string {
	if t.Kind == lexer.TokenEOF {
		return "end of file"
	}
	return strconv.Quote(t.Val)
}

func expectName(kind string) string {
	switch kind {
	case "Close":
		return `"}}"`
	case "CloseUnescaped":
		return `"}}}"`
	case "CloseSexpr":
		return `")"`
	case "CloseRawBlock":
		return `"}}}}"`
	case "CloseBlockParams":
		return `"|"`
	case "OpenEndBlock":
		return "a closing tag {{/name}}"
	case "ID":
		return "a name"
	}
	return kind
}
