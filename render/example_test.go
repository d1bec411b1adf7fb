package render_test

import (
	"errors"
	"fmt"
	"testing/fstest"

	"github.com/offermail/offermail/diag"
	"github.com/offermail/offermail/render"
)

// catalog knows one activity with a hero (html) and tips (text) placement.
type catalog struct{}

func (catalog) PlacementType(activity, placement string) (render.ContentType, error) {
	if activity != "winter-sale" {
		return "", fmt.Errorf("%w %q", render.ErrUnknownActivity, activity)
	}
	switch placement {
	case "hero":
		return render.ContentHTML, nil
	case "tips":
		return render.ContentText, nil
	}
	return "", fmt.Errorf("%w %q", render.ErrUnknownPlacement, placement)
}

// propositions are the offers chosen for each scope; a real program gets
// them from the decision engine (package campaign adapts its decisions).
func propositions(scopes []render.Scope) []render.Proposition {
	hero, _ := render.ParseSnippet("hero", `<b>{{name}}</b> for {{profile.firstName}}`)
	tip, _ := render.ParseSnippet("tip", `Free returns & exchanges`)
	props := make([]render.Proposition, len(scopes))
	for i, sc := range scopes {
		props[i] = render.Proposition{Scope: sc}
		switch sc.Placement {
		case "hero":
			props[i].Type = render.ContentHTML
			props[i].Items = []render.Item{{ID: "w1", Name: "Winter boots", Content: hero, Rank: 1}}
		case "tips":
			props[i].Type = render.ContentText
			props[i].Items = []render.Item{{ID: "t1", Content: tip, Rank: 1}}
		}
	}
	return props
}

func Example() {
	templates := fstest.MapFS{
		"welcome.hbs": {Data: []byte(`---
subject: 'Welcome, {{default profile.firstName "friend"}}'
from: Northwind Outfitters <news@northwind.example>
---
<h1>{{offer "winter-sale" placement="hero"}}</h1>
{{#offer "winter-sale" placement="tips" items=2}}<p>{{rank}}. {{content}}</p>{{/offer}}
<p>{{profile.nickname}}</p>
`)},
	}
	set, err := render.LoadFS(templates, catalog{})
	if err != nil {
		fmt.Println(err)
		return
	}
	tmpl := set.Lookup("welcome.hbs")
	fmt.Println("scopes:", tmpl.Scopes())

	msg, err := tmpl.Execute(&render.Input{
		Recipient:    render.Recipient{ID: "u-1", Email: "maya@example.com", Profile: map[string]any{"firstName": "Maya"}},
		Propositions: propositions(tmpl.Scopes()),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("subject:", msg.Subject)
	fmt.Println("missing:", msg.Missing[0].Field, "at line", msg.Missing[0].Line)
	// Output:
	// scopes: [{winter-sale hero 1} {winter-sale tips 2}]
	// subject: Welcome, Maya
	// missing: profile.nickname at line 7
}

func ExampleLoadFS_errors() {
	templates := fstest.MapFS{
		"welcome.hbs": {Data: []byte("<p>\n  {{offer \"winter-sal\" placement=\"hero\"}}\n  {{uper profile.firstName}}\n</p>\n")},
	}
	_, err := render.LoadFS(templates, catalog{})
	var list diag.List
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Println(e)
		}
	}
	// Output:
	// welcome.hbs:2:11: unknown activity "winter-sal"
	// welcome.hbs:3:5: unknown helper "uper" (did you mean "upper"?)
}
