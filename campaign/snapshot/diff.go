package snapshot

import (
	"fmt"
	"strings"
)

// contextLines is how many unchanged lines a hunk shows around a change, as
// diff -u does.
const contextLines = 3

// maxEdits bounds the edit distance the diff searches for. Past it the
// files have little in common, and showing the rest as one block removed
// and one added is as readable as a minimal script and costs no quadratic
// memory.
const maxEdits = 1000

// op is one line of an edit script.
type op struct {
	kind byte // ' ', '-' or '+'
	a, b int  // line index in a (for ' ' and '-') and in b (for ' ' and '+')
}

// Unified returns a unified diff of a and b, with a header naming them and
// hunks of three lines of context, or "" when they are equal. A last line
// without a line break is marked as diff marks it.
func Unified(aName, bName string, a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	al, bl := splitLines(string(a)), splitLines(string(b))
	script := diffLines(al, bl)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	for _, h := range hunks(script) {
		writeHunk(&out, script[h[0]:h[1]], al, bl)
	}
	return out.String()
}

// splitLines splits text after each line break, keeping the breaks, so a
// missing final break is a difference like any other.
func splitLines(s string) []string {
	var lines []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// diffLines returns an edit script turning a into b: Myers' greedy
// algorithm on what remains after the common prefix and suffix.
func diffLines(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var script []op
	for i := 0; i < pre; i++ {
		script = append(script, op{' ', i, i})
	}
	script = append(script, myers(a[pre:len(a)-suf], b[pre:len(b)-suf], pre)...)
	for i := 0; i < suf; i++ {
		script = append(script, op{' ', len(a) - suf + i, len(b) - suf + i})
	}
	return script
}

// myers finds a shortest edit script between a and b, whose lines are at
// offset off in the files. Before each round it keeps the furthest x
// reached on each diagonal, to walk back from the end.
func myers(a, b []string, off int) []op {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return replace(n, m, off)
	}
	limit := min(n+m, maxEdits)
	// v[k+limit+1] is the furthest x reached on diagonal k = x - y.
	v := make([]int, 2*limit+3)
	at := func(k int) int { return v[k+limit+1] }
	// snaps[d] holds v for diagonals -d-1..d+1 as it was before round d.
	var snaps [][]int
	found := -1
	for d := 0; d <= limit && found < 0; d++ {
		snaps = append(snaps, append([]int(nil), v[limit-d:limit+d+3]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && at(k-1) < at(k+1) {
				x = at(k + 1) // down: a line of b inserted
			} else {
				x = at(k-1) + 1 // right: a line of a deleted
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[k+limit+1] = x
			if x >= n && y >= m {
				found = d
				break
			}
		}
	}
	if found < 0 {
		return replace(n, m, off)
	}
	var rev []op
	x, y := n, m
	for d := found; d >= 0; d-- {
		snap := snaps[d]
		prev := func(k int) int { return snap[k+d+1] }
		k := x - y
		pk := k - 1
		if k == -d || k != d && prev(k-1) < prev(k+1) {
			pk = k + 1
		}
		px := prev(pk)
		py := px - pk
		for x > px && y > py && x > 0 && y > 0 {
			x, y = x-1, y-1
			rev = append(rev, op{' ', off + x, off + y})
		}
		if d == 0 {
			break
		}
		if x == px {
			rev = append(rev, op{'+', off + px, off + py})
		} else {
			rev = append(rev, op{'-', off + px, off + py})
		}
		x, y = px, py
	}
	script := make([]op, len(rev))
	for i, o := range rev {
		script[len(rev)-1-i] = o
	}
	return script
}

// replace is the script removing all of a and adding all of b.
func replace(n, m, off int) []op {
	script := make([]op, 0, n+m)
	for i := 0; i < n; i++ {
		script = append(script, op{'-', off + i, off})
	}
	for j := 0; j < m; j++ {
		script = append(script, op{'+', off + n, off + j})
	}
	return script
}

// hunks returns the [start, end) ranges of the script to print: each
// change with up to three lines of context around it, merged when their
// context would touch.
func hunks(script []op) [][2]int {
	var out [][2]int
	for i := 0; i < len(script); {
		if script[i].kind == ' ' {
			i++
			continue
		}
		start := max(0, i-contextLines)
		end := i
		for end < len(script) {
			if script[end].kind != ' ' {
				end++
				continue
			}
			// A run of equal lines: the hunk goes on only when the next
			// change is close enough for the contexts to meet.
			run := end
			for run < len(script) && script[run].kind == ' ' {
				run++
			}
			if run < len(script) && run-end <= 2*contextLines {
				end = run
				continue
			}
			end = min(end+contextLines, run)
			break
		}
		if n := len(out); n > 0 && out[n-1][1] >= start {
			out[n-1][1] = end
		} else {
			out = append(out, [2]int{start, end})
		}
		i = end
	}
	return out
}

func writeHunk(w *strings.Builder, h []op, a, b []string) {
	var aStart, aLen, bStart, bLen int
	aStart, bStart = -1, -1
	for _, o := range h {
		if o.kind != '+' {
			if aStart < 0 {
				aStart = o.a
			}
			aLen++
		}
		if o.kind != '-' {
			if bStart < 0 {
				bStart = o.b
			}
			bLen++
		}
	}
	// An empty side is numbered by the line before it, as diff -u does.
	if aStart < 0 {
		aStart = h[0].a
	} else {
		aStart++
	}
	if bStart < 0 {
		bStart = h[0].b
	} else {
		bStart++
	}
	fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
	for _, o := range h {
		line := ""
		switch o.kind {
		case '+':
			line = b[o.b]
		default:
			line = a[o.a]
		}
		w.WriteByte(o.kind)
		w.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			w.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
