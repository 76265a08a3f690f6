"""Sending our texts from handlers: cut to Telegram's limit, keyboard under the last part."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup, Message

from bot.telegram.render import split_message


async def answer_long(message: Message, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> list[Message]:
    """``message.answer`` for a text of any length: parts at paragraph or sentence boundaries, in order."""
    parts = split_message(text)
    sent = []
    for number, part in enumerate(parts, start=1):
        sent.append(await message.answer(part, reply_markup=reply_markup if number == len(parts) else None))
    return sent
