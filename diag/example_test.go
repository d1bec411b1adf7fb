package diag_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/offermail/offermail/diag"
)

func Example() {
	src := "rules:\n  - id: vip\n    when: 'profile.name == \"Zoë\" &&& true'\n"
	var list diag.List
	// The loader knows the source: it binds the snippet where it reports.
	list.Errorf(diag.Expression, "lib/rules.yaml", 3, 36, "unexpected token Operator(\"&\")").Bind(src)
	err := list.Err()

	diag.Print(os.Stdout, err)

	var e *diag.Error
	if errors.As(err, &e) && e.Code == diag.Expression {
		fmt.Printf("an expression error at line %d, character %d\n", e.Line, e.Col)
	}
	// Output:
	// lib/rules.yaml:3:36: unexpected token Operator("&")
	//         when: 'profile.name == "Zoë" &&& true'
	//                                        ^
	// an expression error at line 3, character 36
}
