package render

// itemData is an offer item as a {{#offer}} block sees it. Values are
// boxed once per recipient and scope, however often they are read.
type itemData struct {
	id, name, content, image, alt, link any
	json, attributes, tags              any
	isFallback, rank, token             any
}

func (d *itemData) field(name string) (any, bool) {
	switch name {
	case "id":
		return d.id, true
	case "name":
		return d.name, true
	case "content":
		return d.content, true
	case "image":
		return d.image, true
	case "alt":
		return d.alt, true
	case "link":
		return d.link, true
	case "json":
		return d.json, true
	case "attributes":
		return d.attributes, true
	case "tags":
		return d.tags, true
	case "isFallback":
		return d.isFallback, true
	case "rank":
		return d.rank, true
	case "token":
		return d.token, true
	}
	return nil, false
}

func (d *itemData) keys() []string { return itemFields }

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
		fr := frame{ctx: &items[i], parent: f, from: -1, elem: i,
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
	switch typ {
	case ContentHTML, ContentText:
		s.buf = appendValue(s.buf, it.content, s.escape)
	case ContentImage:
		if it.image == nil {
			return
		}
		if it.link != nil {
			s.buf = append(s.buf, `<a href="`...)
			s.buf = appendValue(s.buf, it.link, true)
			s.buf = append(s.buf, `">`...)
		}
		s.buf = append(s.buf, `<img src="`...)
		s.buf = appendValue(s.buf, it.image, true)
		s.buf = append(s.buf, `" alt="`...)
		s.buf = appendValue(s.buf, it.alt, true)
		s.buf = append(s.buf, `">`...)
		if it.link != nil {
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
		d := &snippetData{it: it, root: &s.data}
		var err error
		// link first: html content may use {{link}}, {{image}} and {{alt}}.
		if d.link, err = s.snippetValue(it.Link, d); err != nil {
			return nil, err
		}
		if d.image, err = s.snippetValue(it.Image, d); err != nil {
			return nil, err
		}
		if d.alt, err = s.snippetValue(it.Alt, d); err != nil {
			return nil, err
		}
		var content any
		if it.Content != nil {
			out, err := s.renderSnippet(it.Content, d, typ == ContentHTML)
			if err != nil {
				return nil, err
			}
			content = out
			if typ == ContentHTML {
				content = SafeString(out)
			}
		}
		items = append(items, itemData{
			id: it.ID, name: it.Name, content: content,
			image: d.image, alt: d.alt, link: d.link,
			json: it.JSON, attributes: it.Attributes, tags: it.Tags,
			isFallback: it.IsFallback, rank: it.Rank, token: it.Token,
		})
	}
	s.items[i], s.done[i] = items, true
	return items, nil
}

// snippetValue renders a text snippet, or returns nil when there is none.
func (s *state) snippetValue(sn *Snippet, d *snippetData) (any, error) {
	if sn == nil {
		return nil, nil
	}
	out, err := s.renderSnippet(sn, d, false)
	if err != nil {
		return nil, err
	}
	return out, nil
}
