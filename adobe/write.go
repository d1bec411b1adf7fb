package adobe

import (
	"bytes"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// library is the offermail library being built, one list per top-level
// key of SPEC §2, each item a YAML mapping (so that comments can carry the
// Adobe id and the original PQL of what could not be translated).
type library struct {
	placements, rules, formulas, offers, fallbacks, collections, activities []*ymap
}

// files returns the library's files, one per kind, in the order the
// loader reads them (lexical).
func (l *library) files() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, f := range []struct {
		file, key string
		items     []*ymap
	}{
		{"activities.yaml", "activities", l.activities},
		{"collections.yaml", "collections", l.collections},
		{"fallbacks.yaml", "fallbacks", l.fallbacks},
		{"formulas.yaml", "formulas", l.formulas},
		{"offers.yaml", "offers", l.offers},
		{"placements.yaml", "placements", l.placements},
		{"rules.yaml", "rules", l.rules},
	} {
		if len(f.items) == 0 {
			continue
		}
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, it := range f.items {
			seq.Content = append(seq.Content, it.n)
		}
		doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar(f.key), seq}}
		doc.HeadComment = "Imported from an Adobe Offer Decisioning export by mailpreview import adobe.\nimport-report.json lists what was translated, approximated or left out."
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}); err != nil {
			return nil, fmt.Errorf("write %s: %w", f.file, err)
		}
		if err := enc.Close(); err != nil {
			return nil, fmt.Errorf("write %s: %w", f.file, err)
		}
		out[f.file] = buf.Bytes()
	}
	return out, nil
}

// ymap is a YAML mapping built in order.
type ymap struct{ n *yaml.Node }

func newMap() *ymap { return &ymap{n: &yaml.Node{Kind: yaml.MappingNode}} }

// comment sets the comment written above the mapping's first key.
func (m *ymap) comment(text string) { m.n.HeadComment = text }

func (m *ymap) set(key string, val *yaml.Node) *ymap {
	m.n.Content = append(m.n.Content, scalar(key), val)
	return m
}

func (m *ymap) str(key, val string) *ymap { return m.set(key, scalar(val)) }

func (m *ymap) num(key string, val int64) *ymap {
	return m.set(key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(val, 10)})
}

func (m *ymap) boolean(key string, val bool) *ymap {
	return m.set(key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(val)})
}

// expr writes an expression single-quoted, as the library's own files do.
func (m *ymap) expr(key, val string) *ymap {
	return m.set(key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: val, Style: yaml.SingleQuotedStyle})
}

func (m *ymap) list(key string, vals []string) *ymap {
	seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, v := range vals {
		seq.Content = append(seq.Content, scalar(v))
	}
	return m.set(key, seq)
}

func (m *ymap) sub(key string, sub *ymap) *ymap { return m.set(key, sub.n) }

func (m *ymap) has(key string) bool {
	for i := 0; i < len(m.n.Content); i += 2 {
		if m.n.Content[i].Value == key {
			return true
		}
	}
	return false
}

func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// anyNode writes a JSON value (offer json content) as YAML.
func anyNode(v *value) *yaml.Node {
	switch v.kind {
	case '{':
		m := newMap()
		m.n.Style = yaml.FlowStyle
		for _, mem := range v.members {
			m.set(mem.name, anyNode(mem.val))
		}
		return m.n
	case '[':
		seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, it := range v.items {
			seq.Content = append(seq.Content, anyNode(it))
		}
		return seq
	case '0':
		tag := "!!float"
		if _, err := strconv.ParseInt(v.text, 10, 64); err == nil {
			tag = "!!int"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v.text}
	case 't', 'f':
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.kind == 't')}
	case 'n':
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	return scalar(v.text)
}
