// Windowing for long lists: only the rows in view (plus a few) are in the DOM. Rows have one
// fixed height. Past MAX_SCROLL_PX (browsers cap element heights) the scroll position maps to
// a row proportionally, so a hex view of a many-gigabyte file still scrolls end to end.

import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';

export const MAX_SCROLL_PX = 8_000_000;

export interface VirtualWindow {
  first: number;
  last: number;
  /** Height of the scrolled content. */
  height: number;
  top(index: number): number;
  viewportRows: number;
  scrollToIndex(index: number): void;
  onScroll(): void;
}

export function useVirtual(ref: RefObject<HTMLElement | null>, count: number, rowHeight: number, overscan = 8): VirtualWindow {
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const frame = useRef<number | null>(null);

  // The scrolled element can change (a list replaced by an error and back): watch whichever
  // element the ref holds after each render.
  const observed = useRef<HTMLElement | null>(null);
  const observer = useRef<ResizeObserver | null>(null);
  // Runs after every render on purpose (no dependency list): it only acts when the element changed.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useLayoutEffect(() => {
    const el = ref.current;
    if (el === observed.current) return;
    observer.current?.disconnect();
    observed.current = el;
    if (!el) return;
    setViewport(el.clientHeight);
    setScrollTop(el.scrollTop);
    observer.current = new ResizeObserver(() => {
      if (el.isConnected) setViewport(el.clientHeight);
    });
    observer.current.observe(el);
  });
  useEffect(() => () => observer.current?.disconnect(), []);

  const natural = count * rowHeight;
  const scaled = natural > MAX_SCROLL_PX;
  const height = scaled ? MAX_SCROLL_PX : natural;
  const viewportRows = Math.max(1, Math.floor(viewport / rowHeight));
  const maxFirst = Math.max(0, count - viewportRows);
  const exactFirst = scaled ? Math.round((scrollTop / Math.max(1, MAX_SCROLL_PX - viewport)) * maxFirst) : Math.floor(scrollTop / rowHeight);
  const first = Math.max(0, Math.min(count - 1, exactFirst) - overscan);
  const last = Math.min(count - 1, exactFirst + viewportRows + overscan);
  const top = useCallback(
    (i: number) => (scaled ? scrollTop + (i - exactFirst) * rowHeight : i * rowHeight),
    [scaled, scrollTop, exactFirst, rowHeight],
  );

  const onScroll = useCallback(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      if (ref.current) setScrollTop(ref.current.scrollTop);
    });
  }, [ref]);

  const scrollToIndex = useCallback(
    (i: number) => {
      const el = ref.current;
      if (!el || i < 0) return;
      if (scaled) {
        const visibleFirst = exactFirst;
        if (i >= visibleFirst && i < visibleFirst + viewportRows) return;
        const target = i < visibleFirst ? i : i - viewportRows + 1;
        el.scrollTop = (target / Math.max(1, maxFirst)) * (MAX_SCROLL_PX - el.clientHeight);
      } else {
        const y = i * rowHeight;
        if (y < el.scrollTop) el.scrollTop = y;
        else if (y + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = y + rowHeight - el.clientHeight;
      }
      setScrollTop(el.scrollTop);
    },
    [ref, scaled, exactFirst, viewportRows, maxFirst, rowHeight],
  );

  return { first, last: count === 0 ? -1 : last, height, top, viewportRows, scrollToIndex, onScroll };
}
