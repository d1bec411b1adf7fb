package preview

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestReloadAliasBomb: a library file of nested aliases (issue 13, item 2)
// shows as a problem at the alias, and the server keeps serving the last
// good library instead of running out of memory.
func TestReloadAliasBomb(t *testing.T) {
	p := newProject(t)
	srv, ts := start(t, p.config())
	var bomb strings.Builder
	bomb.WriteString("offers:\n  - id: bomb\n    content: {hero: {html: x}}\n    attributes:\n")
	bomb.WriteString("      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&bomb, "      a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 10), ","))
	}
	p.write(t, "templates/library/zz-bomb.yaml", bomb.String())
	srv.Reload()
	r := mustRender(t, ts, "offers.hbs", "maya-gold-runner")
	want := filepath.Join(p.library, "zz-bomb.yaml") + ":9:44"
	if len(r.Problems) != 1 || r.Problems[0].At() != want || !strings.Contains(r.Problems[0].Message, "alias *a3") {
		t.Errorf("problems =\n%s\nwant the alias error at %s", problemText(r.Problems), want)
	}
	if r.Decisions.Propositions[0].Offers[0].ID != "gold-double-points" {
		t.Errorf("the last good library stopped deciding")
	}
}
