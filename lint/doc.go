// Package lint is the email checks of mailpreview lint (SPEC §11): what an
// email developer catches before sending, found in the message as a
// recipient gets it and named where it was written.
//
// Check renders a template for a profile through the production path (a
// dry run) and checks the result:
//
//	error    size       the HTML is over 102 KB (Gmail clips it)
//	error    img-alt    an <img> has no alt attribute
//	error    subject    the subject is empty
//	error    preheader  the preheader is empty
//	error    link       a link (<a href>, <area href>) is not http(s) or mailto
//	warning  unsubscribe  no unsubscribe (no List-Unsubscribe header)
//	warning  css        CSS the major clients drop: position, display: flex,
//	                    inline-flex, grid or inline-grid, transform, transition,
//	                    animation, @import
//	warning  text       the plain-text part has under half the words of the
//	                    HTML's visible text
//	error    render     the template does not render for the profile
//
// A problem is placed where it was written: the front matter's subject or
// preheader line, the <img>, link or CSS declaration in the template, its
// partials and layout (found by its attribute value or declaration), or the
// content of the offer it came from in the library file. A problem that
// comes from data (a profile value), or from the message as a whole, has
// the template file without a line. Problems print as file:line:col: level:
// message, like every error of mailpreview.
//
// Check is the same function the preview's lint panel calls for the
// template and profile on screen; mailpreview lint calls it for every
// template × profile and reports each problem once per template.
package lint
