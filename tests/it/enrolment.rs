//! Enrolment: the join link, confirmation of addresses, the members page with its roster, and one's account.

use colloquy::domain::user::Role;
use reqwest::StatusCode;

use crate::helpers::{
    PostSpec, TestApp, attribute, client, comment_id_of, select, spawn_app, texts,
};

async fn join_path(app: &TestApp, admin: &crate::helpers::Member) -> String {
    let page = admin.get(app, "/admin/members").await.text().await.unwrap();
    let link = texts(&page, ".join-url").join("");
    link.strip_prefix(&app.address)
        .expect("a link to this site")
        .to_owned()
}

#[tokio::test]
async fn a_student_joins_with_the_link_and_the_mail_that_proves_their_address() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let join = join_path(&app, &admin).await;
    assert!(join.starts_with("/join/"), "{join}");

    let student = client();
    let form = student
        .get(app.url(&join))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(select(&form, "input#email").len(), 1);
    let asked = student
        .post(app.url(&join))
        .form(&[("name", "Sam Student"), ("email", "sam@example.edu")])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    assert!(asked.text().await.unwrap().contains("Check your mail"));
    assert!(
        app.store
            .user_by_email("sam@example.edu")
            .await
            .unwrap()
            .is_none(),
        "nothing is made before the mail's link is used"
    );

    let finish = app.link_mailed_to("sam@example.edu").await;
    assert!(finish.starts_with("/join/finish/"), "{finish}");
    let opened = student.get(app.url(&finish)).send().await.unwrap();
    assert_eq!(opened.status(), StatusCode::OK, "opening does not use it");
    let button = opened.text().await.unwrap();
    assert_eq!(
        attribute(&button, "form[method=post]", "action").as_deref(),
        Some(finish.as_str())
    );
    let joined = student
        .post(app.url(&finish))
        .form(&[
            ("password", "a long password"),
            ("confirm", "a long password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    let sam = app
        .store
        .user_by_email("sam@example.edu")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sam.name, "Sam Student");
    assert_eq!(
        app.store.role_on(app.site.id, sam.id).await.unwrap(),
        Some(Role::Author)
    );
    assert!(sam.email_confirmed, "the mail's link proved the address");
    let home = student
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Signed in as"), "joining signs in");
    assert_eq!(
        client()
            .post(app.url(&finish))
            .form(&[
                ("password", "a long password"),
                ("confirm", "a long password")
            ])
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::GONE
    );
}

#[tokio::test]
async fn notifications_wait_for_a_confirmed_address() {
    let app = spawn_app().await;
    // An account its instructor made, whose address no link has proved yet.
    let password = "a long password";
    let una = app
        .store
        .create_user(
            &colloquy::store::NewUser {
                email: "una@example.edu",
                name: "Una",
                password_hash: Some(&colloquy::domain::user::hash_password(password).unwrap()),
                email_confirmed: false,
            },
            colloquy::domain::calendar::now(),
        )
        .await
        .unwrap();
    app.store
        .set_role(
            app.site.id,
            una.id,
            Role::Author,
            colloquy::domain::calendar::now(),
        )
        .await
        .unwrap();
    let student = client();
    app.sign_in_with(&student, "una@example.edu", password, "203.0.113.41")
        .await;
    let csrf = attribute(
        &student
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "input[name=csrf]",
        "value",
    )
    .unwrap();
    let form = [
        ("csrf", csrf.clone()),
        ("title", "Una writes".into()),
        ("body", "Text".into()),
        ("status", "publish".into()),
        ("comments_open", "on".into()),
        ("action", "save".into()),
    ];
    let created = student
        .post(app.url("/admin/posts/new"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let id: i64 = created.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/admin/posts/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let post = app
        .store
        .post_by_id(app.site.id, id)
        .await
        .unwrap()
        .unwrap();
    app.set("comment_previously_approved", "off").await;
    comment_id_of(
        &app.leave_reply(
            "198.51.100.9",
            &TestApp::reply_fields(&post, "Reader", "Nice work"),
        )
        .await,
    );
    let to_una = app
        .outbox()
        .await
        .into_iter()
        .filter(|mail| mail.recipient == "una@example.edu")
        .count();
    assert_eq!(to_una, 0, "no notification");
}

#[tokio::test]
async fn bad_join_forms_and_codes_are_refused() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let join = join_path(&app, &admin).await;
    let stranger = client();
    let refused = stranger
        .post(app.url(&join))
        .form(&[("name", " "), ("email", "not-an-email")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    for field in ["name", "email"] {
        assert_eq!(
            attribute(&page, &format!("#{field}"), "aria-invalid").as_deref(),
            Some("true"),
            "{field}"
        );
    }
    assert_eq!(
        attribute(&page, "#email", "value").as_deref(),
        Some("not-an-email")
    );
    let taken = stranger
        .post(app.url(&join))
        .form(&[("name", "Again"), ("email", admin.user.email.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        taken.status(),
        StatusCode::OK,
        "the same answer as for a new address"
    );
    assert_eq!(
        app.store.role_on(app.site.id, admin.user.id).await.unwrap(),
        Some(Role::Administrator),
        "and nothing changes"
    );
    assert_eq!(
        app.page("/join/not-a-real-code").await.0,
        StatusCode::NOT_FOUND
    );

    let csrf = admin.csrf(&app).await;
    admin
        .post_form(
            &app,
            "/admin/members",
            &[("csrf", csrf.as_str()), ("action", "new_code")],
        )
        .await;
    assert_eq!(
        app.page(&join).await.0,
        StatusCode::NOT_FOUND,
        "the old link stops working"
    );
    assert_ne!(join_path(&app, &admin).await, join);
}

#[tokio::test]
async fn a_pasted_roster_invites_the_good_lines_and_reports_the_bad() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let csrf = admin.csrf(&app).await;
    let roster = "Name,Email\nAda Lovelace,ada@example.edu\n\"Hopper, Grace\",grace@example.edu\nBroken Line,broken-at-example\n";
    let response = admin
        .post_form(
            &app,
            "/admin/members",
            &[
                ("csrf", csrf.as_str()),
                ("action", "invite"),
                ("roster", roster),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(texts(&page, "[role=status]").join("").contains("Invited 2"));
    let problems = texts(&page, "[role=alert] li");
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].contains("Line 4") && problems[0].contains("broken-at-example"),
        "{problems:?}"
    );
    let grace = app
        .store
        .user_by_email("grace@example.edu")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(grace.name, "Hopper, Grace");
    assert_eq!(
        app.store.role_on(app.site.id, grace.id).await.unwrap(),
        Some(Role::Author)
    );

    let link = app.link_mailed_to("grace@example.edu").await;
    assert!(link.starts_with("/login/link/"), "{link}");
    let browser = client();
    assert_eq!(
        browser.post(app.url(&link)).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        app.store
            .user_by_email("grace@example.edu")
            .await
            .unwrap()
            .unwrap()
            .email_confirmed,
        "the link proves the address"
    );
}

#[tokio::test]
async fn administrators_change_roles_and_remove_members_whose_posts_stay() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let student = app.sign_in_as(Role::Author).await;
    let post = app.publish(PostSpec::post("Stays after removal")).await;
    let csrf = admin.csrf(&app).await;
    let member = student.user.id.to_string();
    let change = admin
        .post_form(
            &app,
            "/admin/members",
            &[
                ("csrf", csrf.as_str()),
                ("action", "role"),
                ("member", member.as_str()),
                ("role", "editor"),
            ],
        )
        .await;
    assert_eq!(change.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store
            .role_on(app.site.id, student.user.id)
            .await
            .unwrap(),
        Some(Role::Editor)
    );
    let bogus = admin
        .post_form(
            &app,
            "/admin/members",
            &[
                ("csrf", csrf.as_str()),
                ("action", "role"),
                ("member", member.as_str()),
                ("role", "king"),
            ],
        )
        .await;
    assert_eq!(bogus.status(), StatusCode::BAD_REQUEST);
    let remove = admin
        .post_form(
            &app,
            "/admin/members",
            &[
                ("csrf", csrf.as_str()),
                ("action", "remove"),
                ("member", member.as_str()),
            ],
        )
        .await;
    assert_eq!(remove.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store
            .role_on(app.site.id, student.user.id)
            .await
            .unwrap(),
        None
    );
    assert_eq!(app.page(&app.permalink(&post)).await.0, StatusCode::OK);
    assert_eq!(
        student.get(&app, "/admin/posts").await.status(),
        StatusCode::FORBIDDEN
    );

    let own = admin.user.id.to_string();
    let demote_self = admin
        .post_form(
            &app,
            "/admin/members",
            &[
                ("csrf", csrf.as_str()),
                ("action", "role"),
                ("member", own.as_str()),
                ("role", "author"),
            ],
        )
        .await;
    assert_eq!(demote_self.status(), StatusCode::OK);
    assert_eq!(
        app.store.role_on(app.site.id, admin.user.id).await.unwrap(),
        Some(Role::Administrator),
        "an instructor cannot lock themselves out"
    );
    let editor = app.sign_in_as(Role::Editor).await;
    assert_eq!(
        editor.get(&app, "/admin/members").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn people_change_their_own_name_email_and_password() {
    let app = spawn_app().await;
    let (user, password) = app
        .account("ada@example.edu", "Ada", Some(Role::Author))
        .await;
    let browser = client();
    app.sign_in_with(&browser, "ada@example.edu", &password, "198.51.100.20")
        .await;
    let page = browser
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = attribute(&page, "form[action='/account'] input[name=csrf]", "value").unwrap();

    let renamed = browser
        .post(app.url("/account"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Ada L."),
            ("email", "ada@example.edu"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.user_by_id(user.id).await.unwrap().name, "Ada L.");

    let without_password = browser
        .post(app.url("/account"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Ada L."),
            ("email", "new@example.edu"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(without_password.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        attribute(&without_password.text().await.unwrap(), "#email", "value").as_deref(),
        Some("new@example.edu")
    );

    let moved = browser
        .post(app.url("/account"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Ada L."),
            ("email", "new@example.edu"),
            ("current_password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    assert_eq!(
        app.store.user_by_id(user.id).await.unwrap().email,
        "ada@example.edu",
        "not until confirmed"
    );
    let link = app.link_mailed_to("new@example.edu").await;
    assert_eq!(
        browser.post(app.url(&link)).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.store.user_by_id(user.id).await.unwrap().email,
        "new@example.edu"
    );

    let short = browser
        .post(app.url("/account"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Ada L."),
            ("email", "new@example.edu"),
            ("current_password", password.as_str()),
            ("new_password", "tiny"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let changed = browser
        .post(app.url("/account"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Ada L."),
            ("email", "new@example.edu"),
            ("current_password", password.as_str()),
            ("new_password", "a fresh long password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.sign_in("new@example.edu", "a fresh long password")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        client()
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER,
        "signed out: sent to sign in"
    );
}

/// Mail scanners open every link: the invitation's sign-in link and the email confirmation, opened twice, show
/// a button and change nothing; the button does it.
#[tokio::test]
async fn opening_an_invitation_or_an_email_confirmation_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let csrf = admin.csrf(&app).await;
    admin
        .post_form(
            &app,
            "/admin/members",
            &[
                ("csrf", csrf.as_str()),
                ("action", "invite"),
                ("roster", "Grace Hopper,grace@example.edu\n"),
            ],
        )
        .await;
    let invitation = app.link_mailed_to("grace@example.edu").await;
    assert!(invitation.starts_with("/login/link/"), "{invitation}");

    let (ada, password) = app
        .account("ada@example.edu", "Ada", Some(Role::Author))
        .await;
    let browser = client();
    app.sign_in_with(&browser, &ada.email, &password, "198.51.100.21")
        .await;
    let page = browser
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = attribute(&page, "form[action='/account'] input[name=csrf]", "value").unwrap();
    browser
        .post(app.url("/account"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Ada"),
            ("email", "ada@new.example.edu"),
            ("current_password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let confirmation = app.link_mailed_to("ada@new.example.edu").await;
    assert!(
        confirmation.starts_with("/account/confirm/"),
        "{confirmation}"
    );

    for link in [&invitation, &confirmation] {
        for _ in 0..2 {
            let (status, page) = app.page(link).await;
            assert_eq!(status, StatusCode::OK, "{link}");
            assert_eq!(
                attribute(&page, "form[method=post]", "action").as_deref(),
                Some(link.as_str()),
                "a button: {page}"
            );
        }
    }
    let grace = app
        .store
        .user_by_email("grace@example.edu")
        .await
        .unwrap()
        .unwrap();
    assert!(!grace.email_confirmed, "the invitation opened, not used");
    assert_eq!(
        app.store.user_by_id(ada.id).await.unwrap().email,
        "ada@example.edu",
        "the confirmation opened, not used"
    );

    let (status, _) = app.press_button_of(&invitation).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = app.press_button_of(&confirmation).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        app.store
            .user_by_id(grace.id)
            .await
            .unwrap()
            .email_confirmed
    );
    assert_eq!(
        app.store.user_by_id(ada.id).await.unwrap().email,
        "ada@new.example.edu"
    );
}

#[tokio::test]
async fn a_stranger_who_asks_to_join_for_an_address_never_chooses_its_password() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let join = join_path(&app, &admin).await;
    let form = client()
        .get(app.url(&join))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        select(&form, "input[type=password]").is_empty(),
        "the join form asks for no password"
    );
    // The stranger knows the join code and the victim's address, and would like to choose the password.
    let asked = client()
        .post(app.url(&join))
        .header("x-forwarded-for", "203.0.113.66")
        .form(&[
            ("name", "Victor Victim"),
            ("email", "victor@example.edu"),
            ("password", "the strangers password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    let mail = app
        .outbox()
        .await
        .into_iter()
        .find(|mail| mail.recipient == "victor@example.edu")
        .expect("a mail to the address");
    assert!(!mail.body.contains("password you chose"), "{}", mail.body);

    // The owner opens the link: it asks them for a password of their own.
    let owner = client();
    let finish = app.link_mailed_to("victor@example.edu").await;
    let opened = owner.get(app.url(&finish)).send().await.unwrap();
    assert_eq!(opened.status(), StatusCode::OK);
    let page = opened.text().await.unwrap();
    assert!(page.contains("Victor Victim"), "{page}");
    assert!(page.contains("victor@example.edu"), "{page}");
    assert_eq!(select(&page, "input#password[type=password]").len(), 1);
    assert_eq!(select(&page, "input#confirm[type=password]").len(), 1);
    let differ = owner
        .post(app.url(&finish))
        .form(&[
            ("password", "the owners password"),
            ("confirm", "something else"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(differ.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let joined = owner
        .post(app.url(&finish))
        .form(&[
            ("password", "the owners password"),
            ("confirm", "the owners password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    let victor = app
        .store
        .user_by_email("victor@example.edu")
        .await
        .unwrap()
        .expect("the account is made");
    assert!(victor.email_confirmed);
    assert_eq!(
        app.sign_in("victor@example.edu", "the strangers password")
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "the stranger's password does not sign in"
    );
    assert_eq!(
        app.sign_in("victor@example.edu", "the owners password")
            .await
            .status(),
        StatusCode::SEE_OTHER,
        "the owner's does"
    );
}

#[tokio::test]
async fn names_are_one_line_in_the_join_form_the_account_page_and_the_roster() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let join = join_path(&app, &admin).await;
    let typed = "Mallory\n\nYour course has moved: see http://evil.example/";
    let refused = client()
        .post(app.url(&join))
        .form(&[("name", typed), ("email", "target@example.edu")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert_eq!(
        attribute(&page, "#name", "aria-invalid").as_deref(),
        Some("true")
    );
    assert!(page.contains("one line"), "{page}");
    assert_eq!(
        attribute(&page, "#email", "value").as_deref(),
        Some("target@example.edu"),
        "the text is kept"
    );
    assert!(
        app.outbox()
            .await
            .iter()
            .all(|mail| mail.recipient != "target@example.edu"),
        "nothing is mailed"
    );

    let csrf = admin.csrf(&app).await;
    let saved = admin
        .post_form(
            &app,
            "/account",
            &[
                ("csrf", csrf.as_str()),
                ("name", "Ada\r\nBcc: everyone"),
                ("email", admin.user.email.as_str()),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = saved.text().await.unwrap();
    assert!(page.contains("one line"), "{page}");
    assert_eq!(
        app.store
            .user_by_email(&admin.user.email)
            .await
            .unwrap()
            .unwrap()
            .name,
        admin.user.name
    );

    let roster = admin
        .post_form(
            &app,
            "/admin/members",
            &[
                ("csrf", csrf.as_str()),
                ("action", "invite"),
                ("roster", "Eve\rHello,eve@example.edu\nTab\tName,tab@example.edu\nGood Name,good@example.edu"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        texts(&roster, "[role=status]")
            .join("")
            .contains("Invited 1"),
        "{roster}"
    );
    for email in ["eve@example.edu", "tab@example.edu"] {
        assert!(
            app.store.user_by_email(email).await.unwrap().is_none(),
            "{email}"
        );
    }
}

#[tokio::test]
async fn a_roster_with_student_ids_sets_them_and_explains_a_bad_id() {
    let app = spawn_app().await;
    let admin = app.sign_in_as(Role::Administrator).await;
    let csrf = admin.csrf(&app).await;
    let roster = "name,email,student id\nZoë Ávila,zoe@example.edu,S1234567\nAda Lovelace,ada@example.edu\n\
                  Bad Id,bad@example.edu,\"12 34; DROP\"\n";
    let response = admin
        .post_form(
            &app,
            "/admin/members",
            &[
                ("csrf", csrf.as_str()),
                ("action", "invite"),
                ("roster", roster),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(texts(&page, "[role=status]").join("").contains("Invited 2"));
    let problems = texts(&page, "[role=alert] li");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("Line 4") && problems[0].contains("student id"),
        "{problems:?}"
    );
    let members = app.store.members(app.site.id).await.unwrap();
    let id_of = |email: &str| {
        members
            .iter()
            .find(|member| member.user.email == email)
            .map(|member| member.student_id.clone())
    };
    assert_eq!(id_of("zoe@example.edu"), Some(Some("S1234567".to_owned())));
    assert_eq!(id_of("ada@example.edu"), Some(None));
    assert_eq!(id_of("bad@example.edu"), None);

    // The members page shows it in a field staff can change, and a bad one is explained with what was typed.
    let zoe = members
        .iter()
        .find(|member| member.user.email == "zoe@example.edu")
        .unwrap();
    let page = admin
        .get(&app, "/admin/members")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        attribute(&page, &format!("#student-id-{}", zoe.user.id), "value").as_deref(),
        Some("S1234567")
    );
    let bad = admin
        .post_form(
            &app,
            "/admin/members",
            &[
                ("csrf", csrf.as_str()),
                ("action", "student_id"),
                ("member", &zoe.user.id.to_string()),
                ("student_id", "S12 <34>"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(texts(&page, "[role=alert]").concat().contains("student id"));
    assert_eq!(
        attribute(&page, &format!("#student-id-{}", zoe.user.id), "value").as_deref(),
        Some("S12 <34>")
    );
    let cleared = admin
        .post_form(
            &app,
            "/admin/members",
            &[
                ("csrf", csrf.as_str()),
                ("action", "student_id"),
                ("member", &zoe.user.id.to_string()),
                ("student_id", ""),
            ],
        )
        .await;
    assert_eq!(cleared.status(), StatusCode::SEE_OTHER);
    let members = app.store.members(app.site.id).await.unwrap();
    assert!(members.iter().all(|member| member.student_id.is_none()));
}

#[tokio::test]
async fn the_account_pages_current_password_is_no_unthrottled_oracle() {
    let app = spawn_app().await;
    let (_, password) = app
        .account("ada@example.edu", "Ada", Some(Role::Author))
        .await;
    // Someone holding Ada's session (a borrowed laptop) guesses her password through the account page.
    let browser = client();
    app.sign_in_with(&browser, "ada@example.edu", &password, "198.51.100.20")
        .await;
    let page = browser
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = attribute(&page, "form[action='/account'] input[name=csrf]", "value").unwrap();
    let guess = |current: String| {
        let (browser, csrf, url) = (browser.clone(), csrf.clone(), app.url("/account"));
        async move {
            browser
                .post(url)
                .header("x-forwarded-for", "198.51.100.20")
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("name", "Ada"),
                    ("email", "ada@example.edu"),
                    ("new_password", "the thief's new password"),
                    ("current_password", current.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let mut statuses = Vec::new();
    for number in 0..6 {
        statuses.push(guess(format!("guess {number}")).await.status().as_u16());
    }
    assert_eq!(statuses, [422, 422, 422, 422, 422, 429], "{statuses:?}");
    let paused = guess(password.clone()).await;
    assert_eq!(
        paused.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits, so the pause tells nothing"
    );
    let page = paused.text().await.unwrap();
    assert!(page.contains("too many wrong passwords"), "{page}");
    assert!(
        app.sign_in("ada@example.edu", &password)
            .await
            .status()
            .is_redirection(),
        "the owner still signs in from elsewhere"
    );
}
