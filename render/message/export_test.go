package message

// InlineCSSPremailer is the reference the fast path is checked against.
var InlineCSSPremailer = inlineCSSPremailer
