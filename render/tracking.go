package render

// Tracking (SPEC §10) reaches a template as data in its Input: a Links
// that rewrites every offer link a placeholder writes into a click
// redirect, and the URL of the open pixel, which {{trackingPixel}}
// writes. Without them a template renders its links as the offers give
// them and the pixel as nothing, as previews and snapshots do.

// Links rewrites the offer links placeholders write. Package track's
// Tracker is one; it must be safe for concurrent use.
type Links interface {
	// ClickURL returns what to write for the link target of the item
	// whose tracking token is token: target itself when it is not to be
	// tracked.
	ClickURL(token, target string) string
}

// trackedLink is an item's rendered link as placeholders write it.
func (s *state) trackedLink(it *Item, link string) string {
	if s.in == nil || s.in.Links == nil {
		return link
	}
	return s.in.Links.ClickURL(it.Token, link)
}

// trackingHelpers are the helpers of tracking.
func trackingHelpers() []*helper {
	return []*helper{
		{name: "trackingPixel", minArgs: 0, maxArgs: 0, fn: func(c *call) (any, error) {
			in := c.s.in
			if in == nil || in.Pixel == "" || !c.s.escape {
				return safeString(""), nil
			}
			b := append([]byte(nil), `<img src="`...)
			b = appendEscaped(b, in.Pixel)
			b = append(b, `" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0">`...)
			return safeString(b), nil
		},
			examplePixel: "https://t.example.com/t/o/t2.AbC.gif",
			examples: []example{{`<p>Thanks!</p>{{trackingPixel}}`, `{}`,
				`<p>Thanks!</p><img src="https://t.example.com/t/o/t2.AbC.gif" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0">`}}},
	}
}
