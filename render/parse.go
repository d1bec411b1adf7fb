package render

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/aymerick/raymond/ast"
	"github.com/aymerick/raymond/lexer"
	"github.com/aymerick/raymond/parser"
)

// parseSource parses Handlebars text with raymond's parser, reporting
// errors as an *Error at the offending tag with a message that says what
// to do.
//
// The text is lexed on its own first, and its grammar checked on the
// tokens (see checkGrammar): lexical and grammar errors then come with a
// byte position, and raymond's parser, whose lexer goroutine leaks when it
// fails, only sees text it accepts. Should it still fail, its error is
// translated by finding the token it names.
func parseSource(src *source) (*ast.Program, *Error) {
	toks := lexer.Collect(src.text)
	if last := toks[len(toks)-1]; last.Kind == lexer.TokenError {
		return nil, lexError(src, toks)
	}
	if err := checkGrammar(src, toks); err != nil {
		return nil, err
	}
	prog, err := safeParse(src.text)
	if err != nil {
		return nil, parseError(src, toks, err)
	}
	return prog, nil
}

// safeParse guards against the parser's own runtime panics, which it
// re-raises instead of returning.
func safeParse(text string) (prog *ast.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			prog, err = nil, fmt.Errorf("Parse error on line 1:\ninternal parser error: %v", r)
		}
	}()
	return parser.Parse(text)
}

// lexError explains the error token that ends toks.
func lexError(src *source, toks []lexer.Token) *Error {
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
		msg = fmt.Sprintf("unexpected character %s inside {{ }}", strings.TrimPrefix(msg, "Unexpected character in expression: "))
	default:
		msg = strings.ToLower(msg[:1]) + msg[1:]
	}
	return src.pos(at).errorf("%s", msg)
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

var (
	rParseError = regexp.MustCompile(`(?s)^Parse error on line (\d+):\n(.*)$`)
	rExpecting  = regexp.MustCompile(`(?s)^Expecting (\w+), got: '(.*)'$`)
	rWithToken  = regexp.MustCompile(`(?s)^(.*)\nToken: (.*)$`)
	rWithNode   = regexp.MustCompile(`(?s)^(.*)\nNode: .*Pos:(\d+)\}$`)
	rNoMatch    = regexp.MustCompile(`^(.*) doesn't match (.*)$`)
)

// parseError turns a raymond parser error into a positioned one. The
// parser reports a line and a dump of the token it stopped at; the same
// dump is searched for among toks on that line to recover the position.
func parseError(src *source, toks []lexer.Token, err error) *Error {
	m := rParseError.FindStringSubmatch(err.Error())
	if m == nil {
		return src.pos(0).errorf("%v", err)
	}
	line, _ := strconv.Atoi(m[1])
	body := m[2]
	if m := rExpecting.FindStringSubmatch(body); m != nil {
		i := findToken(toks, line, m[2])
		if i < 0 {
			return src.pos(lineStart(toks, line)).errorf("expected %s", expectName(m[1]))
		}
		tok := toks[i]
		if m[1] == "OpenEndBlock" && tok.Kind == lexer.TokenEOF {
			if open := unclosedBlock(toks, len(toks)-1); open >= 0 {
				name := blockName(toks, open)
				return src.pos(toks[open].Pos).errorf("{{%s%s}} is not closed: add {{/%s}}", toks[open].Val[2:], name, name)
			}
		}
		return src.pos(tok.Pos).errorf("unexpected %s: expected %s", describeToken(tok), expectName(m[1]))
	}
	if m := rWithNode.FindStringSubmatch(body); m != nil {
		at, _ := strconv.Atoi(m[2])
		if mm := rNoMatch.FindStringSubmatch(m[1]); mm != nil {
			// The node is the name in the closing tag; find the tag itself.
			for i := range toks {
				if toks[i].Kind == lexer.TokenOpenEndBlock && i+1 < len(toks) && toks[i+1].Pos == at {
					if open := unclosedBlock(toks, i); open >= 0 {
						p := src.pos(toks[open].Pos)
						return src.pos(toks[i].Pos).errorf("{{/%s}} does not close {{%s%s}} opened at %d:%d: close it with {{/%s}}",
							mm[2], toks[open].Val[2:], mm[1], p.line, p.col, mm[1])
					}
				}
			}
			return src.pos(at).errorf("{{/%s}} does not close {{#%s}}", mm[2], mm[1])
		}
		return src.pos(at).errorf("invalid closing tag")
	}
	if m := rWithToken.FindStringSubmatch(body); m != nil {
		i := findToken(toks, line, m[2])
		at := lineStart(toks, line)
		if i >= 0 {
			at = toks[i].Pos
		}
		switch {
		case m[1] == "Syntax error" && i >= 0 && toks[i].Kind == lexer.TokenOpenEndBlock:
			return src.pos(at).errorf("{{/%s}} closes no open block: remove it", blockName(toks, i))
		case m[1] == "Syntax error" && i >= 0 && (toks[i].Kind == lexer.TokenInverse || toks[i].Kind == lexer.TokenOpenInverseChain):
			return src.pos(at).errorf("%s outside a block: it belongs between {{#name}} and {{/name}}", describeToken(toks[i]))
		case m[1] == "Syntax error" && i >= 0:
			return src.pos(at).errorf("unexpected %s", describeToken(toks[i]))
		case strings.HasPrefix(m[1], "Invalid path: "):
			return src.pos(at).errorf("invalid path %s: \"..\", \".\" and \"this\" may only start a path", strings.TrimPrefix(m[1], "Invalid path: "))
		case strings.HasPrefix(m[1], "Failed to parse number: "):
			return src.pos(at).errorf("invalid number %s", strings.TrimPrefix(m[1], "Failed to parse number: "))
		}
		return src.pos(at).errorf("%s", strings.ToLower(m[1]))
	}
	return src.pos(lineStart(toks, line)).errorf("%s", body)
}

// findToken returns the index of the first token on line whose dump is
// dump, or -1.
func findToken(toks []lexer.Token, line int, dump string) int {
	for i, t := range toks {
		if t.Line == line && t.String() == dump {
			return i
		}
	}
	for i, t := range toks {
		if t.String() == dump {
			return i
		}
	}
	return -1
}

func lineStart(toks []lexer.Token, line int) int {
	for _, t := range toks {
		if t.Line >= line {
			return t.Pos
		}
	}
	return 0
}

// unclosedBlock returns the index of the innermost block still open just
// before toks[end], or -1.
func unclosedBlock(toks []lexer.Token, end int) int {
	var stack []int
	for i := 0; i < end; i++ {
		switch toks[i].Kind {
		case lexer.TokenOpenBlock, lexer.TokenOpenInverse:
			stack = append(stack, i)
		case lexer.TokenOpenEndBlock:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if len(stack) == 0 {
		return -1
	}
	return stack[len(stack)-1]
}

// blockName is the name written after the open token at toks[i].
func blockName(toks []lexer.Token, i int) string {
	if i+1 < len(toks) && toks[i+1].Kind == lexer.TokenID {
		return toks[i+1].Val
	}
	return ""
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
