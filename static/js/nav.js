// The top bar's menus (base.html): each group is a disclosure button that shows its list; one open at a time,
// closed by Escape (back on its button), by a click elsewhere or when focus leaves it. On a phone the whole menu
// folds behind the "Menu" button. Without this script every list simply shows.
(function () {
  "use strict";
  const nav = document.getElementById("mainnav");
  if (!nav) return;
  const toggle = document.getElementById("nav-toggle");
  const groups = Array.from(nav.querySelectorAll(".navgroup"));

  function setOpen(group, open) {
    const button = group.querySelector(".navgroup-button");
    button.setAttribute("aria-expanded", String(open));
    group.querySelector(".navmenu").hidden = !open;
  }
  function closeAll(except) { groups.forEach((g) => { if (g !== except) setOpen(g, false); }); }

  groups.forEach((group) => {
    const button = group.querySelector(".navgroup-button");
    setOpen(group, false);
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      closeAll(group);
      setOpen(group, open);
    });
    button.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") {  // open and step into the list
        event.preventDefault();
        closeAll(group);
        setOpen(group, true);
        const first = group.querySelector(".navmenu a");
        if (first) first.focus();
      }
    });
    group.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(group, false);
        button.focus();
      }
    });
    group.addEventListener("focusout", (event) => {
      if (!group.contains(event.relatedTarget) && event.relatedTarget) setOpen(group, false);
    });
  });
  document.addEventListener("click", (event) => {
    if (!nav.contains(event.target)) closeAll(null);
  });

  if (toggle) {  // the phone's fold: the button shows only on a narrow screen (app.css)
    toggle.hidden = false;
    nav.classList.add("folded");
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("folded", !open);
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true" && !nav.querySelector(".navgroup-button[aria-expanded=true]")) {
        toggle.setAttribute("aria-expanded", "false");
        nav.classList.add("folded");
        toggle.focus();
      }
    });
  }
})();
