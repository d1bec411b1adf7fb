package recipients_test

import (
	"fmt"
	"io"
	"log"
	"path/filepath"
	"strings"

	"github.com/offermail/offermail/recipients"
)

func ExampleNewNDJSON() {
	in := strings.NewReader(`{"id":"u1","email":"maya@example.com","profile":{"loyalty":{"tier":"gold"}}}
{"id":"u2","email":"Maya <maya@example.com>"}

{"id":"u1","email":"liam@example.com"}
{"id":"u3","email":"noah@example.com","profle":{"age":17}}
`)
	r := recipients.NewNDJSON(in)
	for {
		rec, rej, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		if rej != nil {
			fmt.Println("reject", rej)
			continue
		}
		fmt.Println("record", rec.Line, rec.ID, rec.Email, rec.Profile)
	}
	// Output:
	// record 1 u1 maya@example.com map[loyalty:map[tier:gold]]
	// reject line 2 (id "u2"): email "Maya <maya@example.com>" has a display name or comment; write just "maya@example.com"
	// reject line 4 (id "u1"): duplicate id "u1" (first seen on line 1); each recipient may appear once per file
	// reject line 5 (id "u3"): col 39: unknown key "profle" (did you mean "profile"?); a record has only id, email, profile, context
}

func ExampleNewCSV() {
	in := strings.NewReader(`id,email,age,zip,loyalty.tier,vip,context.weather
u1,maya@example.com,34,02134,gold,true,snow
u2,liam@example.com,,97201,,,
`)
	r, err := recipients.NewCSV(in)
	if err != nil {
		log.Fatal(err)
	}
	for {
		rec, rej, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		if rej != nil {
			fmt.Println("reject", rej)
			continue
		}
		fmt.Printf("%d %s %#v %v\n", rec.Line, rec.ID, rec.Profile["zip"], rec.Profile)
		fmt.Println("  context:", rec.Context)
	}
	// Output:
	// 2 u1 "02134" map[age:34 loyalty:map[tier:gold] vip:true zip:02134]
	//   context: map[weather:snow]
	// 3 u2 97201 map[zip:97201]
	//   context: map[]
}

func ExampleReadProfile() {
	rec, err := recipients.ReadProfile(filepath.Join("..", "testdata", "recipients", "profile.json"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.ID, rec.Email, rec.Profile["loyalty"], rec.Context["weather"])

	_, err = recipients.ParseProfile("maya.json", []byte("{\n  \"id\": \"u1\",\n  \"email\": \"maya@example.com\",\n  \"profile\": {\"age\": 34,}\n}\n"))
	fmt.Println(err)
	// Output:
	// u-1001 maya.chen@example.com map[points:12840 tier:gold] snow
	// maya.json:4:25: malformed JSON: invalid character '}' looking for beginning of object key string
}
