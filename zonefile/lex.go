package zonefile

// The lexer follows BIND's isc_lex as the master-file loader drives it:
// white space is space and tab; ";" starts a comment (outside quotes, when not
// escaped); "(" and ")" join lines and, like '"', end the token they touch;
// a backslash makes the next byte part of the token (the pair is kept, so
// \DDD and \X reach the name and RDATA parsers untouched); a newline or a
// carriage return always ends an unquoted token, even after a backslash; a
// quoted string may not hold a raw newline unless it is escaped.

// token is one token of a logical entry, as a span of the file's bytes. For a
// quoted string the span is what lies between the quotes.
type token struct {
	s, e   int32
	line   int32
	quoted bool
}

// lexEntry is one logical entry: the lines from start to end (end is just past
// the final newline, or the end of the data).
type lexEntry struct {
	start, end int
	line, last int32
	initialWS  bool
	toks       []token
}

type lexError struct {
	line int32
	msg  string
}

type lexer struct {
	data []byte
	pos  int
	line int32
	toks []token
}

func newLexer(data []byte) *lexer {
	return &lexer{data: data, line: 1, toks: make([]token, 0, 16)}
}

// text returns the bytes of a token.
func (lx *lexer) text(t token) []byte { return lx.data[t.s:t.e] }

// next returns the next logical entry that holds at least one token. ok is
// false at the end of the data. When err is not nil the entry is broken: its
// lines were skipped up to the point the lexer could resume.
func (lx *lexer) next() (ent lexEntry, err *lexError, ok bool) {
	data := lx.data
	for lx.pos < len(data) {
		ent = lexEntry{start: lx.pos, line: lx.line}
		ent.initialWS = data[lx.pos] == ' ' || data[lx.pos] == '\t'
		lx.toks = lx.toks[:0]
		err = lx.entry()
		ent.end = lx.pos
		ent.last = lx.line
		if lx.pos > 0 && data[lx.pos-1] == '\n' {
			ent.last--
		}
		ent.toks = lx.toks
		if len(ent.toks) > 0 || err != nil {
			return ent, err, true
		}
	}
	return lexEntry{}, nil, false
}

// entry scans one logical entry from lx.pos, leaving lx.pos after its last
// newline.
func (lx *lexer) entry() *lexError {
	data := lx.data
	depth := 0
	parenLine := lx.line
	for lx.pos < len(data) {
		c := data[lx.pos]
		switch c {
		case ' ', '\t':
			lx.pos++
		case '\n':
			lx.pos++
			lx.line++
			if depth == 0 {
				return nil
			}
		case '\r':
			if lx.pos+1 < len(data) && data[lx.pos+1] == '\n' {
				lx.pos++
				continue
			}
			if depth > 0 {
				lx.pos++
				continue
			}
			line := lx.line
			lx.skipLine()
			return &lexError{line, "carriage return not followed by a newline"}
		case ';':
			for lx.pos < len(data) && data[lx.pos] != '\n' {
				lx.pos++
			}
		case '(':
			if depth == 0 {
				parenLine = lx.line
			}
			depth++
			lx.pos++
		case ')':
			if depth == 0 {
				line := lx.line
				lx.skipLine()
				return &lexError{line, "unbalanced parentheses"}
			}
			depth--
			lx.pos++
		case 0:
			line := lx.line
			lx.skipLine()
			return &lexError{line, "NUL byte in input"}
		case '"':
			if err := lx.quoted(); err != nil {
				return err
			}
		default:
			if err := lx.word(); err != nil {
				return err
			}
		}
	}
	if depth > 0 {
		return &lexError{parenLine, "unbalanced parentheses: end of file inside ( )"}
	}
	return nil
}

// skipLine moves past the end of the current line.
func (lx *lexer) skipLine() {
	for lx.pos < len(lx.data) {
		c := lx.data[lx.pos]
		lx.pos++
		if c == '\n' {
			lx.line++
			return
		}
	}
}

// wordSpecial marks the bytes that end an unquoted token, and the
// backslash.
var wordSpecial = func() (t [256]bool) {
	for _, c := range []byte(" \t\n\r;()\"\x00\\") {
		t[c] = true
	}
	return t
}()

// word scans an unquoted token.
func (lx *lexer) word() *lexError {
	data := lx.data
	start := lx.pos
	pos := lx.pos
	for pos < len(data) {
		c := data[pos]
		if !wordSpecial[c] {
			pos++
			continue
		}
		if c == '\\' {
			if pos+1 >= len(data) {
				lx.pos = pos + 1
				return &lexError{lx.line, "unexpected end of input after a backslash"}
			}
			n := data[pos+1]
			if n == '\n' || n == '\r' {
				// BIND ends the token here; the backslash stays in it
				// and makes it invalid later.
				pos++
				break
			}
			pos += 2
			continue
		}
		break
	}
	lx.pos = pos
	lx.toks = append(lx.toks, token{s: int32(start), e: int32(pos), line: lx.line})
	return nil
}

// quoted scans a quoted string starting at the opening quote.
func (lx *lexer) quoted() *lexError {
	data := lx.data
	line := lx.line
	lx.pos++ // opening quote
	start := lx.pos
	for lx.pos < len(data) {
		c := data[lx.pos]
		switch c {
		case '\\':
			if lx.pos+1 < len(data) {
				if data[lx.pos+1] == '\n' {
					lx.line++
				}
				lx.pos += 2
				continue
			}
			lx.pos++
		case '"':
			lx.toks = append(lx.toks, token{s: int32(start), e: int32(lx.pos), line: line, quoted: true})
			lx.pos++
			return nil
		case '\n':
			l := lx.line
			lx.pos++
			lx.line++
			return &lexError{l, "unbalanced quotes"}
		default:
			lx.pos++
		}
	}
	return &lexError{line, "unbalanced quotes: end of file inside a quoted string"}
}
