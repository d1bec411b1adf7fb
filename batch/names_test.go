package batch

import (
	"fmt"
	"strings"
	"testing"
)

func TestFileName(t *testing.T) {
	tests := []struct{ id, want string }{
		{"u-1001", "u-1001.eml"},
		{"Maya.Chen+news@example.com_2", "Maya.Chen+news@example.com_2.eml"},
		{"a b", "a%20b.eml"},
		{"../etc/passwd", "%2E.%2Fetc%2Fpasswd.eml"},
		{".hidden", "%2Ehidden.eml"},
		{"50%", "50%25.eml"},
		{"a.b", "a.b.eml"},
		{"é", "%C3%A9.eml"},
		{`x\y:z*?"<>|`, "x%5Cy%3Az%2A%3F%22%3C%3E%7C.eml"},
	}
	for _, tt := range tests {
		if got := FileName(tt.id, "eml"); got != tt.want {
			t.Errorf("FileName(%q) = %q, want %q", tt.id, got, tt.want)
		}
		back, err := RecipientID(strings.TrimSuffix(tt.want, ".eml"))
		if err != nil || back != tt.id {
			t.Errorf("RecipientID(%q) = %q, %v; want %q", tt.want, back, err, tt.id)
		}
	}
}

// TestFileNameLong: a name too long for a file system is shortened with a
// hash that keeps long ids apart, and never splits an escape.
func TestFileNameLong(t *testing.T) {
	a := strings.Repeat("a", 256)
	b := strings.Repeat("a", 255) + "b"
	na, nb := FileName(a, "eml"), FileName(b, "eml")
	if na == nb || len(na) > maxName+4 || !strings.Contains(na, "~") {
		t.Errorf("FileName of two long ids = %q, %q; want distinct names of at most %d bytes with ~", na, nb, maxName+4)
	}
	if _, err := RecipientID(strings.TrimSuffix(na, ".eml")); err == nil {
		t.Errorf("RecipientID(%q) succeeded, want an error: the name was shortened", na)
	}
	for shift := range 3 {
		id := strings.Repeat("a", shift) + strings.Repeat("/", 120)
		name := FileName(id, "eml")
		head, _, _ := strings.Cut(name, "~")
		if strings.Count(head, "%")*3 != len(head)-shift {
			t.Errorf("FileName(%d a's and slashes) = %q: an escape was cut", shift, name)
		}
	}
}

func TestRecipientIDErrors(t *testing.T) {
	for _, name := range []string{"a%2", "a%zz", "%"} {
		if id, err := RecipientID(name); err == nil {
			t.Errorf("RecipientID(%q) = %q, want an error", name, id)
		}
	}
}

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"1/4", Shard{1, 4}, true},
		{"4/4", Shard{4, 4}, true},
		{"1/1", Shard{1, 1}, true},
		{"0/4", Shard{}, false},
		{"5/4", Shard{}, false},
		{"1/0", Shard{}, false},
		{"2", Shard{}, false},
		{"a/b", Shard{}, false},
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestShardsPartition: every id and every line belongs to exactly one
// shard, and shards are about even.
func TestShardsPartition(t *testing.T) {
	const n, ids = 4, 20000
	per := make([]int, n)
	for i := range ids {
		id := fmt.Sprintf("r%07d", i)
		owners := 0
		for k := 1; k <= n; k++ {
			if (Shard{k, n}).HasID(id) {
				owners++
				per[k-1]++
			}
		}
		lines := 0
		for k := 1; k <= n; k++ {
			if (Shard{k, n}).HasLine(i + 1) {
				lines++
			}
		}
		if owners != 1 || lines != 1 {
			t.Fatalf("id %s has %d shards, line %d has %d; want 1 each", id, owners, i+1, lines)
		}
	}
	for k, c := range per {
		if c < ids/n*9/10 || c > ids/n*11/10 {
			t.Errorf("shard %d/%d has %d of %d ids, want about %d", k+1, n, c, ids, ids/n)
		}
	}
	if !(Shard{}).HasID("x") || !(Shard{}).HasLine(3) {
		t.Error("the zero Shard must take everything")
	}
}
