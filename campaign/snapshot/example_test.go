package snapshot_test

import (
	"fmt"

	"github.com/offermail/offermail/campaign/snapshot"
)

func ExampleNormalizeEML() {
	eml := "Date: Wed, 02 Dec 2026 09:00:00 +0000\r\n" +
		"Message-ID: <0f77227b@northwind.example>\r\n" +
		"Content-Type: multipart/alternative;\r\n boundary=offermail-a3c5\r\n\r\n" +
		"--offermail-a3c5\r\n\r\nHello\r\n--offermail-a3c5--\r\n"
	fmt.Print(string(snapshot.NormalizeEML([]byte(eml))))
	// Output:
	// Date: <normalized>
	// Message-ID: <normalized@northwind.example>
	// Content-Type: multipart/alternative;
	//  boundary=BOUNDARY-1
	//
	// --BOUNDARY-1
	//
	// Hello
	// --BOUNDARY-1--
}
