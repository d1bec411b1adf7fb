package render

// itemData is an offer item as a {{#offer}} block sees it: the item and
// its rendered snippets, boxed only when a template reads them.
type itemData struct {
	it   *Item
	html bool        // content is html, written unescaped by {{content}}
	sd   snippetData // the context its snippets render in, and their output
}

// rendered holds an item's rendered snippets; has* is false when the item
// has no such snippet.
type rendered struct {
	content, link, image, alt             string
	hasContent, hasLink, hasImage, hasAlt bool
	// The same escaped as HTML, when their snippet is static (escaped at
	// load); "" when they are to be escaped as they are written.
	contentEsc, linkEsc, imageEsc, altEsc string
}

// appendText appends the rendered text s, escaped or not; esc is its
// escaped form when known.
func appendText(b []byte, s, esc string, escape bool) []byte {
	switch {
	case !escape:
		return append(b, s...)
	case esc != "":
		return append(b, esc...)
	}
	return appendEscaped(b, s)
}

func (r *rendered) value(name string) (any, bool) {
	switch name {
	case "link":
		return optional(r.link, r.hasLink), true
	case "image":
		return optional(r.image, r.hasImage), true
	case "alt":
		return optional(r.alt, r.hasAlt), true
	}
	return nil, false
}

func optional(s string, ok bool) any {
	if !ok {
		return nil
	}
	return s
}

func (d *itemData) field(name string) (any, bool) {
	switch name {
	case "content":
		if !d.sd.text.hasContent {
			return nil, true
		}
		if d.html {
			return safeString(d.sd.text.content), true
		}
		return d.sd.text.content, true
	case "json":
		return d.it.JSON, true
	}
	if v, ok := itemField(d.it, name); ok {
		return v, true
	}
	return d.sd.text.value(name)
}

// itemField reads the fields an item shows both to a block placeholder
// and to its own content snippets.
func itemField(it *Item, name string) (any, bool) {
	switch name {
	case "id":
		return it.ID, true
	case "name":
		return it.Name, true
	case "attributes":
		return it.Attributes, true
	case "tags":
		return it.Tags, true
	case "isFallback":
		return it.IsFallback, true
	case "rank":
		return it.Rank, true
	case "token":
		return it.Token, true
	}
	return nil, false
}

func (d *itemData) keys() []string { return itemFields }

func (d *itemData) appendField(b []byte, name string, escape bool) ([]byte, bool) {
	return d.appendFieldAt(b, itemFieldIndex(name), escape)
}

func (d *itemData) fieldTruth(name string) (bool, bool) {
	return d.fieldTruthAt(itemFieldIndex(name))
}

func (n *offerNode) exec(s *state, f int) error {
	items, err := s.scopeItems(n.scope, n.typ)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		if n.inline {
			return nil
		}
		return n.inverse.exec(s, f)
	}
	if n.inline {
		s.writeInline(&items[0], n.typ)
		return nil
	}
	for i := range items {
		fr := frame{ctx: &items[i], parent: f, from: -1, elem: i, includer: -1,
			hasData: true, index: i, first: i == 0, last: i == len(items)-1,
			bpNames: n.params, bpVals: [2]any{&items[i], i}}
		fi := s.push(fr)
		err := n.program.exec(s, fi)
		s.pop(fi)
		if err != nil {
			return err
		}
	}
	return nil
}

// writeInline writes an item as an inline placeholder shows it: html as
// is, text escaped, an image as an <img> inside its link when it has one.
func (s *state) writeInline(it *itemData, typ ContentType) {
	r := &it.sd.text
	switch typ {
	case ContentHTML:
		s.buf = append(s.buf, r.content...)
	case ContentText:
		s.buf = appendText(s.buf, r.content, r.contentEsc, s.escape)
	case ContentImage:
		if !r.hasImage {
			return
		}
		if r.hasLink {
			s.buf = append(s.buf, `<a href="`...)
			s.buf = appendText(s.buf, r.link, r.linkEsc, true)
			s.buf = append(s.buf, `">`...)
		}
		s.buf = append(s.buf, `<img src="`...)
		s.buf = appendText(s.buf, r.image, r.imageEsc, true)
		s.buf = append(s.buf, `" alt="`...)
		s.buf = appendText(s.buf, r.alt, r.altEsc, true)
		s.buf = append(s.buf, `">`...)
		if r.hasLink {
			s.buf = append(s.buf, `</a>`...)
		}
	}
}

// scopeItems renders the items of a scope's proposition the first time a
// placeholder of that scope runs; a second placeholder of the same scope
// shows the same items without rendering them again.
func (s *state) scopeItems(i int, typ ContentType) ([]itemData, error) {
	if s.done[i] {
		return s.items[i], nil
	}
	prop := &s.props[i]
	if prop.Type != "" {
		typ = prop.Type
	}
	items := s.items[i][:0]
	for j := range prop.Items {
		it := &prop.Items[j]
		// Appended first, so the snippet context lives in the pooled
		// slice; filled there rather than copied in.
		items = append(items, itemData{})
		d := &items[len(items)-1]
		d.it, d.html, d.sd.it, d.sd.root = it, typ == ContentHTML, it, &s.data
		r := &d.sd.text
		var err error
		// link first: html content may use {{link}}, {{image}} and {{alt}}.
		if r.link, r.linkEsc, r.hasLink, err = s.snippetText(it.Link, &d.sd, false); err != nil {
			return nil, err
		}
		if r.hasLink {
			if l := s.trackedLink(it, r.link); l != r.link {
				r.link, r.linkEsc = l, ""
			}
		}
		if r.image, r.imageEsc, r.hasImage, err = s.snippetText(it.Image, &d.sd, false); err != nil {
			return nil, err
		}
		if r.alt, r.altEsc, r.hasAlt, err = s.snippetText(it.Alt, &d.sd, false); err != nil {
			return nil, err
		}
		if r.content, r.contentEsc, r.hasContent, err = s.snippetText(it.Content, &d.sd, d.html); err != nil {
			return nil, err
		}
	}
	s.items[i], s.done[i] = items, true
	return items, nil
}

// snippetText renders a snippet, reporting false when there is none; esc
// is its output escaped as HTML when the snippet is static, else "".
func (s *state) snippetText(sn *Snippet, d *snippetData, html bool) (out, esc string, ok bool, err error) {
	switch {
	case sn == nil:
		return "", "", false, nil
	case sn.static:
		return sn.text, sn.escaped, true, nil
	}
	out, err = s.renderSnippet(sn, d, html)
	return out, "", err == nil, err
}
