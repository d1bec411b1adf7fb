package render

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/offermail/offermail/recipients"
)

// sampleOffers answers every scope of the sample templates with offers
// whose content uses profile data, links and escaping-sensitive text.
func sampleOffers(t testing.TB) fakeOffers {
	card := func(id, name string) Item {
		return Item{ID: id, Name: name, Token: "tok-" + id,
			Content: mustSnippet(t, id+".html", `<img src="https://cdn.northwind.example/`+id+`.jpg" alt="{{name}}"><p>{{name}} for {{default profile.firstName "you"}}</p>`),
			Link:    mustSnippet(t, id+".link", `https://northwind.example/p/`+id+`?u={{urlencode recipient.id}}`)}
	}
	return fakeOffers{
		"winter-sale/hero": {{ID: "w-hero", Name: "Winter sale", Rank: 1, Token: "t-hero",
			Content: mustSnippet(t, "hero.html", `<a href="{{link}}"><img src="https://cdn.northwind.example/winter.jpg" alt="Winter sale: up to 40% off"></a>`),
			Link:    mustSnippet(t, "hero.link", `https://northwind.example/sale?u={{urlencode recipient.id}}&t={{token}}`)}},
		"winter-sale/sidebar": {
			{ID: "tip-1", Rank: 1, Content: mustSnippet(t, "tip1.text", `Trail shoes for {{default profile.city "your trails"}}: 20% off`), Link: mustSnippet(t, "tip1.link", "https://northwind.example/shoes")},
			{ID: "tip-2", Rank: 2, Content: mustSnippet(t, "tip2.text", `Free returns until January 31`)},
		},
		"winter-sale/banner": {{ID: "banner", Rank: 1, Image: mustSnippet(t, "b.image", "https://cdn.northwind.example/banner.jpg"),
			Alt: mustSnippet(t, "b.alt", "Winter & snow sale"), Link: mustSnippet(t, "b.link", "https://northwind.example/sale")}},
		"weekly-digest/hero":      {card("digest-pick", "Summit Shell")},
		"post-purchase/crosssell": {card("socks", "Merino socks"), card("gaiters", "Trail gaiters"), card("headlamp", "Headlamp")},
	}
}

// loadProfile reads a sample recipient from testdata/profiles.
func loadProfile(t testing.TB, name string) Recipient {
	r, err := recipients.ReadProfile(filepath.Join("..", "testdata", "profiles", name))
	if err != nil {
		t.Fatalf("sample profile: %v", err)
	}
	rec := Recipient{ID: r.ID, Email: r.Email, Profile: r.Profile, Context: r.Context}
	if r.Order != nil {
		rec.Order = r.Order
	}
	return rec
}

func TestSamples(t *testing.T) {
	set, err := LoadDir(filepath.Join("..", "templates"), sampleCatalog)
	if err != nil {
		t.Fatalf("LoadDir(templates): %v", err)
	}
	wantScopes := map[string][]Scope{
		"digest.md":              {{"weekly-digest", "hero", 0}},
		"newsletter.hbs":         {{"winter-sale", "hero", 1}, {"winter-sale", "sidebar", 2}, {"winter-sale", "banner", 1}},
		"order-confirmation.hbs": {{"post-purchase", "crosssell", 3}},
	}
	var names []string
	for _, tmpl := range set.Templates() {
		names = append(names, tmpl.Name())
		if got := tmpl.Scopes(); !slices.Equal(got, wantScopes[tmpl.Name()]) {
			t.Errorf("%s: Scopes() = %v, want %v", tmpl.Name(), got, wantScopes[tmpl.Name()])
		}
	}
	if want := []string{"digest.md", "newsletter.hbs", "order-confirmation.hbs"}; !slices.Equal(names, want) {
		t.Errorf("Templates() = %q, want %q", names, want)
	}

	maya := loadProfile(t, "maya-gold-runner.json")
	in := &Input{Recipient: maya, Campaign: Campaign{ID: "winter-2026", Name: "Winter sale"},
		Now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	offers := sampleOffers(t)
	checks := map[string][]string{
		"newsletter.hbs": {
			`<h1 class="headline">Hi Maya,</h1>`,
			`<div class="hero"><a href="https://northwind.example/sale?u&#x3D;u-1001&amp;t&#x3D;t-hero"><img src="https://cdn.northwind.example/winter.jpg" alt="Winter sale: up to 40% off"></a></div>`,
			`<strong>12,840 points</strong>`,
			"  <li><a href=\"https://northwind.example/shoes\">Trail shoes for Portland: 20% off</a></li>\n  <li>Free returns until January 31</li>\n</ul>",
			`<div class="banner"><a href="https://northwind.example/sale"><img src="https://cdn.northwind.example/banner.jpg" alt="Winter &amp; snow sale"></a></div>`,
			`You receive this email because you are a Northwind Outfitters member.`,
			`?u=u-1001&amp;c=winter-2026">Unsubscribe</a>`,
			`&copy; 2026 Northwind Outfitters`,
		},
		"order-confirmation.hbs": {
			`<h1 class="headline">Thanks for your order, Maya!</h1>`,
			`Order <strong>NW-58213</strong>, placed November 20, 2026 at 2:03 PM.`,
			`<tr><td>Merino running socks</td><td class="num">2</td><td class="num">$25.00</td></tr>`,
			`<strong>$189.90</strong>`,
			`<td class="card"><img src="https://cdn.northwind.example/headlamp.jpg" alt="Headlamp"><p>Headlamp for Maya</p><p><a class="button" href="https://northwind.example/p/headlamp?u&#x3D;u-1001">Shop Headlamp</a></p></td>`,
		},
		"digest.md": {
			`<h1>This week at Northwind</h1>`,
			`<p>Hi Maya, here is what's new around Portland.</p>`,
			`<h2>Summit Shell</h2>`,
			`<td style="text-align:right">$229.00</td>`,
			`<li><strong>Mount Tabor</strong>: <del>closed</del> open again since Tuesday.</li>`,
			`<a href="https://northwind.example/trails">https://northwind.example/trails</a>`,
			`You told us you like running, trail. <a href="https://northwind.example/account/interests?u=u-1001">Update your interests</a>.`,
		},
	}
	subjects := map[string]string{
		"newsletter.hbs":         "Maya, the winter sale is on",
		"order-confirmation.hbs": "Your Northwind order NW-58213 is confirmed",
		"digest.md":              "Your weekly Northwind digest, Maya",
	}
	for name, wants := range checks {
		tmpl := set.Lookup(name)
		m, html, err := tmpl.execute(offers.forTemplate(in, tmpl))
		if err != nil {
			t.Errorf("%s: Execute: %v", name, err)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(html, w) {
				t.Errorf("%s: Execute for Maya lacks %q", name, w)
			}
		}
		if m.Subject != subjects[name] {
			t.Errorf("%s: Subject = %q, want %q", name, m.Subject, subjects[name])
		}
		if len(m.Missing) > 0 {
			t.Errorf("%s: Missing = %v for a complete profile", name, m.Missing)
		}
	}
}

// TestSamplesHostileProfile renders every sample for the profile full of
// markup and quotes: nothing of it may come out unescaped.
func TestSamplesHostileProfile(t *testing.T) {
	set, err := LoadDir(filepath.Join("..", "templates"), sampleCatalog)
	if err != nil {
		t.Fatal(err)
	}
	in := &Input{Recipient: loadProfile(t, "script-injection.json"), Campaign: Campaign{ID: "c&1"}}
	offers := sampleOffers(t)
	for _, tmpl := range set.Templates() {
		m, html, err := tmpl.execute(offers.forTemplate(in, tmpl))
		if err != nil {
			t.Errorf("%s: Execute: %v", tmpl.Name(), err)
			continue
		}
		for _, bad := range []string{"<script>", "<img src=x", "<b>58500", "<i>with</i>", `"Bobby"`, "'apostrophes'"} {
			if strings.Contains(html, bad) {
				t.Errorf("%s: Execute wrote %q unescaped", tmpl.Name(), bad)
			}
		}
		if tmpl.Name() == "newsletter.hbs" && m.Subject != `<script>alert("owned")</script>, the winter sale is on` {
			t.Errorf("%s: Subject = %q, want the name as text, unescaped", tmpl.Name(), m.Subject)
		}
	}
}
