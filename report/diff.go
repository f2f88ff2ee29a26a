package report

import (
	"bytes"
	"fmt"
	"io"
)

// UnifiedDiff writes the unified diff (3 lines of context) that turns old
// into new, labelled with the two names; nothing when they are equal.
func UnifiedDiff(w io.Writer, oldName, newName string, old, new []byte) error {
	if bytes.Equal(old, new) {
		return nil
	}
	a, b := splitLines(old), splitLines(new)
	ops := diffLines(a, b)
	if _, err := fmt.Fprintf(w, "--- %s\n+++ %s\n", oldName, newName); err != nil {
		return err
	}
	const ctx = 3
	// group ops into hunks
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := i
		for start > 0 && i-start < ctx && ops[start-1].kind == ' ' {
			start--
		}
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*ctx {
				end += min(ctx, run-end)
				break
			}
			end = run
		}
		var as, bs, al, bl int
		as, bs = ops[start].ai+1, ops[start].bi+1
		var body bytes.Buffer
		for _, op := range ops[start:end] {
			switch op.kind {
			case ' ':
				al++
				bl++
				writeLine(&body, ' ', a[op.ai])
			case '-':
				al++
				writeLine(&body, '-', a[op.ai])
			case '+':
				bl++
				writeLine(&body, '+', b[op.bi])
			}
		}
		if al == 0 {
			as--
		}
		if bl == 0 {
			bs--
		}
		if _, err := fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(as, al), hunkRange(bs, bl)); err != nil {
			return err
		}
		if _, err := w.Write(body.Bytes()); err != nil {
			return err
		}
		i = end
	}
	return nil
}

func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

func writeLine(b *bytes.Buffer, mark byte, line []byte) {
	b.WriteByte(mark)
	b.Write(line)
	if len(line) == 0 || line[len(line)-1] != '\n' {
		b.WriteString("\n\\ No newline at end of file\n")
	}
}

func splitLines(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			out = append(out, data)
			break
		}
		out = append(out, data[:i+1])
		data = data[i+1:]
	}
	return out
}

type op struct {
	kind   byte // ' ', '-', '+'
	ai, bi int  // index in a (for ' ' and '-') and b (for ' ' and '+'); for '-' bi is the position in b, for '+' ai the position in a
}

// diffLines returns an edit script from a to b. The common head and tail are
// trimmed first; the middle is diffed by longest common subsequence when it is small
// enough and otherwise replaced whole, which keeps the diff of a zone with a
// million changed lines linear.
func diffLines(a, b [][]byte) []op {
	var ops []op
	pre := 0
	for pre < len(a) && pre < len(b) && bytes.Equal(a[pre], b[pre]) {
		ops = append(ops, op{' ', pre, pre})
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && bytes.Equal(a[len(a)-1-suf], b[len(b)-1-suf]) {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma)*len(mb) <= 4_000_000 {
		for _, o := range lcsDiff(ma, mb) {
			o.ai += pre
			o.bi += pre
			ops = append(ops, o)
		}
	} else {
		for i := range ma {
			ops = append(ops, op{'-', pre + i, pre})
		}
		for j := range mb {
			ops = append(ops, op{'+', pre + len(ma), pre + j})
		}
	}
	for k := 0; k < suf; k++ {
		ops = append(ops, op{' ', len(a) - suf + k, len(b) - suf + k})
	}
	return ops
}

// lcsDiff is a longest-common-subsequence table diff for the bounded middle part.
func lcsDiff(a, b [][]byte) []op {
	n, m := len(a), len(b)
	// lcs[i][j] = LCS length of a[i:], b[j:]
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if bytes.Equal(a[i], b[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []op
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case bytes.Equal(a[i], b[j]):
			ops = append(ops, op{' ', i, j})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			ops = append(ops, op{'-', i, j})
			i++
		default:
			ops = append(ops, op{'+', i, j})
			j++
		}
	}
	for ; i < n; i++ {
		ops = append(ops, op{'-', i, j})
	}
	for ; j < m; j++ {
		ops = append(ops, op{'+', i, j})
	}
	return ops
}
