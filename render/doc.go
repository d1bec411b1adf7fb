// Package render loads email templates with decision placeholders and
// renders them per recipient: HTML with CSS inlined, a plain-text
// alternative, and MIME.
//
// Loading (LoadDir, LoadFile, LoadFS) does everything that does not depend
// on the recipient, once: it parses the Handlebars, converts Markdown,
// resolves helpers, partials and the layout, finds the placeholders and
// checks them against the offer library (a Catalog). A loaded Template is
// immutable and safe for concurrent use; Execute renders one recipient.
// The package does not know the decision engine: the caller decides the
// template's Scopes first and hands the propositions in as data
// (Input.Propositions), as text/template's Execute takes data, and
// Execute renders what it is given.
//
// This comment is the manual of the template language.
//
// # Files
//
// A templates directory holds the templates (*.hbs and *.html are
// Handlebars HTML, *.md is Markdown with Handlebars in it), a partials/
// directory ({{> footer}} includes partials/footer.hbs) and a layouts/
// directory. Other subdirectories hold no templates. Hidden files are
// ignored.
//
// # Front matter
//
// A template may start with YAML between two "---" lines:
//
//	---
//	subject: "{{profile.firstName}}, the winter sale is on"
//	preheader: Up to 40% off trail gear this week
//	from: Northwind Outfitters <news@northwind.example>
//	replyTo: help@northwind.example
//	layout: base.hbs
//	unsubscribe: https://northwind.example/unsubscribe?u={{urlencode recipient.id}}
//	headers:
//	  X-Campaign: winter
//	---
//
// subject, preheader and unsubscribe are Handlebars, rendered as text: they
// are never HTML-escaped, since they are not HTML. A value that starts
// with {{ must be quoted, or YAML reads it as a map. An offer placeholder
// cannot appear in them. unsubscribe must be an http(s):// URL or a mailto:
// address (values in it are the author's to urlencode). from and replyTo
// are addresses, checked at load. layout names a file in layouts/ (".hbs"
// may be left out). headers are extra headers, written in the order given;
// offermail writes From, To, Subject, Date, Message-ID, MIME-Version,
// List-Unsubscribe and the Content-* headers itself, so those cannot be
// set there. Any other key is an error. Line numbers in errors count the
// front-matter lines.
//
// # Layouts and partials
//
// A layout is Handlebars HTML with {{{body}}} where the template's content
// goes (three braces, so the body's HTML is not escaped). The body is
// rendered with the template's data wherever {{{body}}} is.
//
// {{> name}} includes partials/name.hbs (or .html) with the current
// context; {{> name context}} with another; {{> name key=value}} with a
// new object: the context's own fields, then the pairs. As in
// handlebars.js, a partial sees only its own context: ../ inside it climbs
// only out of its own blocks (pass what it needs: {{> row title=../title}}),
// while @index, @key and @root carry on. A partial alone on its line is
// indented like that line. Partials may include partials, and themselves (rendering stops
// with an error after 50 levels). A missing partial or layout is a load
// error at the tag that names it.
//
// # Data
//
// The data at the top of a template:
//
//	profile.*        the recipient's profile (any shape)
//	recipient.id     recipient.email
//	context.*        the send context (weather, channel…)
//	campaign.id      campaign.name
//	@now             the decision time (Input.Now), for formatDate
//
// At the top level of a template or layout (outside each, with and
// sections) any other name is a load error, with a suggestion when it is
// close to a known one.
//
// # Expressions
//
// This is Handlebars as handlebars.js 4.7 runs it, and the same template
// and data give the same bytes (but for the differences listed below): {{path}} writes a value HTML-escaped (& < > "
// ' ` = become &amp; &lt; &gt; &quot; &#x27; &#x60; &#x3D;); {{{path}}} and
// {{& path}} write it raw. Values print as JavaScript prints them: 3 and
// 1.5 (never 3.0), true and false, lists joined by ",", objects as
// "[object Object]", and nothing for a missing field or null.
//
// Paths: profile.loyalty.tier, this, this.name, ./name, ../name (the
// context around the current block), [field with spaces], list.[0],
// list.length, @root.profile.city. Literals: "strings", 'strings', 12,
// 1.5, true, false. Sub-expressions: {{formatNumber (lookup prices sku) 2}}.
// Named arguments: {{formatCurrency total "EUR" locale="de"}}.
//
// Whitespace control as in handlebars.js, byte for byte: {{~x}} and {{x~}}
// trim the whitespace before and after a tag (Unicode spaces and U+FEFF
// included, as JavaScript's \s has them), {{~else}} and {{~else if}} too;
// a line holding only a block tag, {{else}}, a comment, a partial or a raw
// block, with spaces or tabs around it, disappears with its line break.
// Comments: {{! short }} and {{!-- may hold }} --}}. \{{x}} writes {{x}}
// as is, and so does {{{{raw}}}}…{{{{/raw}}}} for everything inside it.
//
// # Blocks
//
//	{{#if profile.vip}}…{{else if profile.optedIn}}…{{else}}…{{/if}}
//	{{#unless profile.unsubscribed}}…{{/unless}}
//	{{#each profile.interests}}{{@index}} {{this}}{{#unless @last}}, {{/unless}}{{else}}none{{/each}}
//	{{#each profile.loyalty}}{{@key}}: {{this}}{{/each}}
//	{{#each profile.lastOrder.items as |item i|}}{{i}} {{item.name}}{{/each}}
//	{{#with profile.lastOrder}}{{id}}{{else}}no order yet{{/with}}
//	{{#profile.lastOrder}}{{id}}{{/profile.lastOrder}}   (a section)
//	{{^profile.lastOrder}}no order yet{{/profile.lastOrder}}
//
// if and the other conditions treat nil, false, "", 0, NaN and an empty
// list as false (0 is true with includeZero=true); an empty object is
// true. each iterates a list, or an object's keys in the order of the
// recipient's JSON (integer-like keys first, ascending, as JavaScript
// orders them; sorted when the data comes without an Input.Recipient.Order), with
// @index, @first, @last, @key and @../index for the enclosing iteration. A
// section over a field iterates a list, renders once with an object as the
// context, renders in place for true, and runs its {{else}} for false, nil
// and an empty list; {{^field}} runs for those only. if and unless keep
// the context, so ../ inside them means what it means outside them.
//
// A block whose new context equals the current one ({{#with this}}) adds
// no ../ level, and a block run on a null context sees an empty object, as
// in handlebars.js. Strings have length and indexes in UTF-16 units
// ("😀".length is 2), lists only canonical indexes (list.[01] is nothing),
// and a path from a data variable stops at a false, zero or empty value
// ({{@index.x}} prints 0 for the first item). {{"name"}} and {{1e3}} name
// fields; {{""}} is the context itself.
//
// # Where offermail differs from handlebars.js
//
// Each of these is counted by the differential test (hbsjs_test.go):
//
//   - Load errors handlebars.js does not make, because each catches a
//     mistake it would render as nothing, or only notice once the branch
//     runs: an unknown helper, an unknown data variable (@indx; did you
//     mean @index?), a named argument a helper does not take
//     ({{#each list key=1}}), a wrong number of helper arguments, ../ above
//     the top of a template or a partial, a raw block not named raw, a
//     block helper used inline and the reverse, and at the top
//     of a template any name but profile, recipient, context and campaign.
//     Calling helperMissing or blockHelperMissing fails in both.
//   - A template file's byte-order mark is dropped at load (handlebars.js
//     given the file's text writes it at the start of the message).
//   - {{{{raw}}}} is built in (handlebars.js needs a raw helper).
//   - A segment after a dot that raymond's lexer reads as a number
//     ({{x.1e3}}) is a load error; write {{x.[1e3]}}.
//   - handlebars.js 4.7 adds two numbers written raw side by side
//     ({{{a}}}{{{b}}} prints 3 for 1 and 2, a bug fixed upstream); offermail
//     prints 12.
//
// # Helpers
//
// Handlebars' built-ins, and these. Every example here is a test.
//
//	{{lookup profile.names profile.lang}}     a field by a computed name (or list index)
//	{{log "tier" profile.loyalty.tier level="debug"}}   to Input.Log; nothing when nil
//	{{default profile.firstName "friend"}}    the fallback when the value is missing, null or ""
//	{{eq a b}} {{ne a b}}                     numbers by value (34 = 34.0), strings by content;
//	                                          a number never equals a string
//	{{lt a b}} {{gt a b}}                     numbers numerically, strings by bytes, times by time;
//	                                          false when the two are not comparable (or missing)
//	{{and a b …}} {{or a b …}}                like JavaScript's && and ||: the first false (and) or
//	                                          true (or) value, else the last; use in (sub-expressions)
//	{{not a}}                                 true when {{#if a}} would not render
//	{{upper s}} {{lower s}}                   case (Unicode)
//	{{urlencode s}}                           as encodeURIComponent: "a b&c" → a%20b%26c
//	{{formatDate d}}                          "November 20, 2026"
//	{{formatDate d "ddd, MMM D YYYY [at] HH:mm"}}   "Fri, Nov 20 2026 at 14:03"
//	{{formatNumber n}} {{formatNumber n 2}}   "12,840", "1,840.50"; locale= en de fr es
//	{{formatCurrency total "USD"}}            "$189.90"; locale= en (default), de, fr, es
//	{{trackingPixel}}                         the open pixel: <img src="…/t/o/TOKEN.gif" width="1"
//	                                          height="1" alt="" …>, or nothing without tracking
//
// formatDate takes an RFC 3339 string (2026-11-20T14:03:00Z), a date
// (2026-11-20) or a time, and formats it in its own offset with moment.js
// tokens: YYYY YY, MMMM (November) MMM (Nov) MM M, DD D Do (20th), dddd
// (Friday) ddd (Fri), HH H hh h, mm m, ss s, A a (PM pm), Z (+01:00) ZZ
// (+0100); [text in brackets] is written as is. English names. A missing
// date writes nothing; a string that is not a date is an error for the
// recipient.
//
// formatNumber rounds half away from zero on the digits the number prints
// as (1.005 → 1.01), and without decimals keeps those it has (1840.5 →
// 1,840.5). Separators per locale: en 1,234.5; de 1.234,5; fr 1 234,5
// (narrow no-break space); es 1234,5 and 12.345,5. formatCurrency uses $ €
// £ ¥ for USD, EUR, GBP and JPY and the code for others ("CHF 99.00"),
// two decimals (none for JPY), the symbol before the amount in en and
// after it (with a no-break space) in de, fr and es: "$1,234.50",
// "1.234,50 €". A missing amount writes nothing.
//
// # Tracking
//
// With tracking on (batch and api with --public-url and a secret: SPEC
// §10), the Input carries Links and Pixel. Every offer link a placeholder
// writes — {{link}} in a block or in offer content, an inline image's
// link — becomes a click redirect, PUBLIC/t/c/TOKEN?u=TARGET&s=SIG, when it
// is an absolute http(s) URL (mailto: and relative links stay as they
// are); links written literally in offer html or in the template are not
// rewritten. {{trackingPixel}} writes the message's open pixel (an <img>
// of PUBLIC/t/o/MESSAGETOKEN.gif), and nothing without tracking (previews,
// snapshots, render) or outside the HTML body. {{token}} is the sealed
// token of the offer shown (the recipient id cannot be read from it).
//
// A name followed by arguments must be a helper: an unknown one is a load
// error at its position. A helper that fails (a value it cannot format)
// or panics is an error for that recipient, with its position.
//
// # Offer placeholders
//
//	{{offer "winter-sale" placement="hero"}}
//
// writes the offer chosen for the recipient: html as it is, text escaped,
// an image as <a href="link"><img src="image" alt="alt"></a> (without the
// link when the offer has none). It writes nothing when there is neither an
// offer nor a fallback. An inline placeholder shows one offer; a json
// placement cannot be written inline.
//
//	{{#offer "winter-sale" placement="sidebar" items=2}}
//	  <p><a href="{{link}}">{{content}}</a></p>
//	{{else}}
//	  <p>Nothing for you this week.</p>
//	{{/offer}}
//
// runs once per chosen offer with the offer as the context: id, name,
// content (html content is written unescaped by {{content}}; text is
// escaped), image, alt, link, json, attributes, tags, isFallback, rank
// (1-based), token, and @index, @first, @last. {{else}} runs when there is
// nothing to show. ../ and @root reach the template's data. items= is how
// many offers to decide (1 to 30; the library's default for the placement
// when left out).
//
// The activity and placement are literal strings: decisions are planned at
// load. Load errors, each at its file:line:col: an unknown activity or
// placement, a placement not configured in the activity, a non-literal
// activity, placement or items, items= on an inline placeholder, a json
// placement inline, one activity and placement declared with different
// items, a placeholder in the subject, preheader or unsubscribe.
//
// Scopes lists each activity and placement once, in document order of
// first appearance: the layout's content before {{{body}}}, then the body,
// then the rest of the layout, with partials where they are included. Two
// placeholders of one activity and placement show the same decision.
//
// Offer content (the library's html, text, link, image and alt) is
// Handlebars too, rendered per recipient with the offer's id, name,
// attributes, tags, token, rank, isFallback, link, image and alt and the
// recipient's profile, context, recipient and campaign in scope. The link
// is rendered first, so html content can write href="{{link}}". Html
// content escapes values as a template does; text, links, image URLs and
// alt text are rendered as text and escaped where they are written out.
//
// # Markdown
//
// A *.md template is CommonMark with GitHub tables, strikethrough and
// autolinks, and raw HTML allowed. It is converted to HTML once, when it
// loads, with its Handlebars tags kept out of Markdown's sight, so
// recipient data is never read as Markdown: a first name of **Bo** prints
// as **Bo**. A line holding only block tags, {{else}}, comments, partials,
// {{{raw output}}} or inline placeholders does not end up inside a
// paragraph (write html content as {{{content}}} on its own line); next to
// a list item it stays inside the list, and inside a table (after a line
// starting with |) it may repeat rows:
//
//	| Item | Qty |
//	|------|----:|
//	{{#each profile.lastOrder.items}}
//	| {{name}} | {{qty}} |
//	{{/each}}
//
// Since conversion happens once, a block repeats the HTML it encloses: a
// {{#each}} around list items or table rows repeats them, one around a
// paragraph repeats the paragraph. Errors name the line and column of the
// .md file.
//
// # Missing data and strict mode
//
// A field that is written out ({{profile.nickname}}), or that is the
// context of a block without {{else}} (a section, each, with, a partial's
// context), renders as nothing when the recipient lacks it, and when it is
// a profile field it is listed in Message.Missing, once, by its full name
// (profile.lastOrder.items.0.sku inside {{#each profile.lastOrder.items}}).
// In strict mode (Input.Strict) it is an error naming the field and its
// position. Helper arguments are never strict: {{#if profile.nickname}}
// and {{default profile.nickname "friend"}} are how a template handles
// missing data, and so are {{^field}} and a block's {{else}}.
//
// # Output
//
// Execute renders the body (in its layout), then the subject, preheader
// and unsubscribe URL; the preheader is inserted as hidden text and the CSS
// of <style> blocks is inlined. The plain-text part reads as that HTML
// reads (hidden elements, the preheader among them, left out; see
// render/message's text.go for the layout). A subject or unsubscribe URL that renders with a line break
// is an error for that recipient. WriteMIME writes the message as
// multipart/alternative MIME.
package render
