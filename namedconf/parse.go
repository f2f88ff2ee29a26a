// Package namedconf reads BIND's configuration (named.conf) for the one thing
// rdnsctl needs from it: which zones the server serves, of what type, from
// which files. It parses the whole grammar (comments in the three styles,
// quoted strings with escapes, nested blocks, statements ending in ';'),
// follows include statements, applies options' directory to relative paths,
// and knows views, so rdnsctl works on exactly the files BIND serves.
//
// Paths are resolved as named resolves them: named changes to options'
// directory as soon as it reads it, so a relative include after that
// statement, and every relative zone file, is relative to the directory; a
// relative include before it is relative to the directory named.conf is in
// (named's own working directory is where it was started; rdnsctl takes
// named.conf's directory, which is where such configurations are written to
// be run from).
package namedconf

import (
	"fmt"
	"strings"
)

// Stmt is one statement: values up to its ';'. A value is a word, a quoted
// string, or a block of statements.
type Stmt struct {
	File   string
	Line   int
	Values []Value
}

// Value is one element of a statement.
type Value struct {
	// Text is the word, or the string with its escapes undone.
	Text   string
	Quoted bool
	// IsBlock marks a { ... } block; Block holds its statements.
	IsBlock bool
	Block   []*Stmt
	Line    int
}

// Keyword is the statement's first word, lower-cased ("" when it starts
// with a string or a block).
func (s *Stmt) Keyword() string {
	if len(s.Values) == 0 || s.Values[0].Quoted || s.Values[0].IsBlock {
		return ""
	}
	return strings.ToLower(s.Values[0].Text)
}

// Where is FILE:LINE of the statement.
func (s *Stmt) Where() string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

// Block returns the statement's first block, or nil.
func (s *Stmt) Block() []*Stmt {
	for _, v := range s.Values {
		if v.IsBlock {
			return v.Block
		}
	}
	return nil
}

// HasBlock says whether the statement has a block.
func (s *Stmt) HasBlock() bool {
	for _, v := range s.Values {
		if v.IsBlock {
			return true
		}
	}
	return false
}

// Error is a syntax or semantic error at a place in a file.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// maxDepth bounds the nesting of blocks (BIND's grammar nests three or four
// deep; a hostile file must not exhaust the stack).
const maxDepth = 64

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokOpen
	tokClose
	tokSemi
)

type token struct {
	kind tokKind
	text string
	line int
}

type lexer struct {
	name string
	data []byte
	pos  int
	line int
}

func (l *lexer) errorf(line int, format string, args ...any) error {
	return &Error{File: l.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// quote shows at most 80 bytes of a token in a message.
func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// next returns the next token, skipping white space and comments: // and #
// to the end of the line, /* to */ (not nested, as in BIND).
func (l *lexer) next() (token, error) {
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		switch {
		case c == '\n':
			l.line++
			l.pos++
		case isSpace(c):
			l.pos++
		case c == '#' || c == '/' && l.peek(1) == '/':
			for l.pos < len(l.data) && l.data[l.pos] != '\n' {
				l.pos++
			}
		case c == '/' && l.peek(1) == '*':
			start := l.line
			l.pos += 2
			for {
				if l.pos >= len(l.data) {
					return token{}, l.errorf(start, "unterminated /* comment")
				}
				if l.data[l.pos] == '*' && l.peek(1) == '/' {
					l.pos += 2
					break
				}
				if l.data[l.pos] == '\n' {
					l.line++
				}
				l.pos++
			}
		case c == '{':
			l.pos++
			return token{kind: tokOpen, text: "{", line: l.line}, nil
		case c == '}':
			l.pos++
			return token{kind: tokClose, text: "}", line: l.line}, nil
		case c == ';':
			l.pos++
			return token{kind: tokSemi, text: ";", line: l.line}, nil
		case c == '"':
			return l.qstring()
		default:
			start := l.pos
			for l.pos < len(l.data) {
				c := l.data[l.pos]
				if isSpace(c) || c == '{' || c == '}' || c == ';' || c == '"' || c == '#' ||
					c == '/' && (l.peek(1) == '/' || l.peek(1) == '*') {
					break
				}
				l.pos++
			}
			return token{kind: tokWord, text: string(l.data[start:l.pos]), line: l.line}, nil
		}
	}
	return token{kind: tokEOF, line: l.line}, nil
}

// isSpace is C's isspace, as BIND's lexer uses it.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func (l *lexer) peek(n int) byte {
	if l.pos+n < len(l.data) {
		return l.data[l.pos+n]
	}
	return 0
}

// qstring reads a quoted string as BIND's lexer does: \" is a quote and
// does not end the string; every other backslash stays in the value as
// written ("a\\b" is the four bytes a\\b, as named reads it);
// a newline may stand inside the quotes.
func (l *lexer) qstring() (token, error) {
	start := l.line
	l.pos++ // the opening quote
	var b []byte
	escaped := false
	for {
		if l.pos >= len(l.data) {
			return token{}, l.errorf(start, "unterminated quoted string")
		}
		c := l.data[l.pos]
		l.pos++
		switch {
		case c == '"' && escaped:
			b[len(b)-1] = '"'
			escaped = false
		case c == '"':
			return token{kind: tokString, text: string(b), line: start}, nil
		default:
			if c == '\n' {
				l.line++
			}
			escaped = c == '\\' && !escaped
			b = append(b, c)
		}
	}
}

// Parse reads one file's statements; name is used in errors. include
// statements are not followed (Load follows them).
func Parse(data []byte, name string) ([]*Stmt, error) {
	l := &lexer{name: name, data: data, line: 1}
	stmts, end, err := parseBody(l, 0)
	if err != nil {
		return nil, err
	}
	if end.kind == tokClose {
		return nil, l.errorf(end.line, "unexpected '}'")
	}
	return stmts, nil
}

// parseBody reads statements up to a '}' (returned as end) or the end of
// the file.
func parseBody(l *lexer, depth int) ([]*Stmt, token, error) {
	stmts := []*Stmt{}
	for {
		t, err := l.next()
		if err != nil {
			return nil, t, err
		}
		switch t.kind {
		case tokEOF, tokClose:
			return stmts, t, nil
		case tokSemi:
			return nil, t, l.errorf(t.line, "unexpected ';' (empty statement)")
		}
		st := &Stmt{File: l.name, Line: t.line}
		for {
			switch t.kind {
			case tokSemi:
				stmts = append(stmts, st)
			case tokEOF:
				return nil, t, l.errorf(t.line, "missing ';' at the end of the statement started on line %d", st.Line)
			case tokClose:
				return nil, t, l.errorf(t.line, "missing ';' before '}' (statement started on line %d)", st.Line)
			case tokOpen:
				if depth+1 > maxDepth {
					return nil, t, l.errorf(t.line, "blocks nested more than %d deep", maxDepth)
				}
				body, end, err := parseBody(l, depth+1)
				if err != nil {
					return nil, end, err
				}
				if end.kind != tokClose {
					return nil, end, l.errorf(t.line, "'{' on line %d is never closed", t.line)
				}
				st.Values = append(st.Values, Value{IsBlock: true, Block: body, Line: t.line})
			case tokWord, tokString:
				st.Values = append(st.Values, Value{Text: t.text, Quoted: t.kind == tokString, Line: t.line})
			}
			if t.kind == tokSemi {
				break
			}
			if t, err = l.next(); err != nil {
				return nil, t, err
			}
		}
	}
}
